package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

// soapCall is what the frontend needs to know of a SOAP request before vcsim sees
// it: the method, its _this, and the types of the objects a RetrieveProperties(Ex)
// asks about.
type soapCall struct {
	Method   string
	This     types.ManagedObjectReference
	ObjTypes []string
	Args     map[string]string // the method's simple arguments (deviceKey, changeId, ...)
}

func peekSOAP(body []byte) (soapCall, bool) {
	var call soapCall
	dec := xml.NewDecoder(bytes.NewReader(body))
	depthInMethod := -1
	depth := 0
	inBody := false
	var text *string
	var arg, argText string
	for {
		tok, err := dec.Token()
		if err != nil {
			return call, call.Method != ""
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case !inBody && el.Name.Local == "Body":
				inBody = true
			case inBody && call.Method == "":
				call.Method = el.Name.Local
				depthInMethod = depth
			case depth == depthInMethod+1 && el.Name.Local == "_this":
				call.This.Type = attr(el, "type")
				text = &call.This.Value
			case depth == depthInMethod+1:
				arg, argText = el.Name.Local, ""
				text = &argText
			case el.Name.Local == "obj":
				call.ObjTypes = append(call.ObjTypes, attr(el, "type"))
			}
		case xml.CharData:
			if text != nil {
				*text += strings.TrimSpace(string(el))
			}
		case xml.EndElement:
			if arg != "" && depth == depthInMethod+1 {
				if call.Args == nil {
					call.Args = map[string]string{}
				}
				call.Args[arg] = argText
				arg = ""
			}
			depth--
			text = nil
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

const envelopeStart = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
const envelopeEnd = `</soapenv:Body></soapenv:Envelope>`

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeFault answers with a vSphere fault in the form vcsim and vCenter use: HTTP
// 500, faultcode ServerFaultCode, the fault type in detail with xsi:type.
func writeFault(w http.ResponseWriter, faultType, message, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `%s<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s">%s</%sFault></detail></soapenv:Fault>%s`,
		envelopeStart, xmlEscape(message), faultType, faultType, inner, faultType, envelopeEnd)
}

func writeNotAuthenticated(w http.ResponseWriter, this types.ManagedObjectReference) {
	writeFault(w, "NotAuthenticated", "The session is not authenticated.",
		fmt.Sprintf(`<object type="%s">%s</object><privilegeId>System.View</privilegeId>`, xmlEscape(this.Type), xmlEscape(this.Value)))
}

// writeEmptyResponse is the answer of a method returning nothing, e.g.
// <ShutdownGuestResponse xmlns="urn:vim25"></ShutdownGuestResponse>.
func writeEmptyResponse(w http.ResponseWriter, method string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `%s<%sResponse xmlns="urn:vim25"></%sResponse>%s`, envelopeStart, method, method, envelopeEnd)
}
