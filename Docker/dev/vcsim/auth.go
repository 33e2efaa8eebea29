package main

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// sessionSet remembers the session keys vcsim handed out (from Set-Cookie on
// Login), so POST /sessions/expire can end them: vcsim keeps its sessions in an
// unexported map, and TerminateSession needs the keys.
type sessionSet struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

func (s *sessionSet) record(h http.Header) {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == soap.SessionCookieName && c.Value != "" {
			s.mu.Lock()
			s.keys[c.Value] = struct{}{}
			s.mu.Unlock()
		}
	}
}

func (s *sessionSet) takeAll() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.keys {
		out = append(out, k)
	}
	s.keys = map[string]struct{}{}
	return out
}

// expireSessions ends every session a client logged in with, through vcsim's own
// TerminateSession: the next call with such a cookie gets NotAuthenticated, and
// /folder answers 401, as after a real session timeout.
func (h *harness) expireSessions(ctx context.Context) int {
	n := 0
	for _, key := range h.sessions.takeAll() {
		_, err := methods.TerminateSession(ctx, h.client, &types.TerminateSession{
			This: *h.client.ServiceContent.SessionManager, SessionId: []string{key},
		})
		if err == nil {
			n++
		} // NotFound: logged out or expired already
	}
	return n
}

// A call that needs a session and has no side effect: vcsim answers it with
// NotAuthenticated exactly when the cookie names no live session. (It also marks the
// session active, as any call does.)
// (ESXi answers SessionIsActive with NotImplemented, which is as good.)
const probeBody = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
	`<SessionIsActive xmlns="urn:vim25"><_this type="SessionManager">%s</_this><sessionID>probe</sessionID><userName>probe</userName></SessionIsActive>` +
	`</soapenv:Body></soapenv:Envelope>`

func (f *frontend) sessionValid(r *http.Request) bool {
	cookie, err := r.Cookie(soap.SessionCookieName)
	if err != nil || cookie.Value == "" {
		return false
	}
	body := fmt.Sprintf(probeBody, f.h.client.ServiceContent.SessionManager.Value)
	probe := httptest.NewRequest(http.MethodPost, "/sdk", strings.NewReader(body))
	probe.RemoteAddr = r.RemoteAddr
	probe.Header.Set("User-Agent", r.UserAgent())
	probe.AddCookie(cookie)
	rec := httptest.NewRecorder()
	f.h.model.Service.ServeSDK(rec, probe)
	return !strings.Contains(rec.Body.String(), "NotAuthenticated")
}

// basicValid accepts HTTP Basic credentials, which ESXi takes on /folder too.
func (f *frontend) basicValid(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user), []byte(f.h.user)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(f.h.password)) == 1
}
