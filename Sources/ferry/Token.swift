import ArgumentParser
import Ferry
import FerryServer

extension FerryCommand {
    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the bearer tokens of the HTTP API (server.token_file).", subcommands: [Create.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a token: print it once, append only its SHA-256 to the token file.",
                discussion: """
                    The file is created with mode 0600 if it does not exist; a running `ferry serve` reads it
                    again when it changes. The token is printed on stdout and nowhere else: keep it in a
                    secret store, it cannot be recovered from the file.
                    """)

            @Option(help: "read (jobs, logs, events, metrics) or admin (also submit plans, cancel, retry).")
            var role: String

            @Option(help: "Who holds the token (letters, digits, ._@-); shown in the server's log.")
            var name: String

            @Option(help: "The token file (server.token_file).")
            var file: String

            @Option(help: "Days until the token expires (default: never).")
            var expires: Int?

            func validate() throws {
                guard Role(rawValue: role) != nil else {
                    throw ValidationError("--role must be read or admin, not \(role)")
                }
            }

            func run() throws {
                let issued = try TokenIssuer.create(
                    role: Role(rawValue: role)!, name: name, file: file, expiresInDays: expires)
                if issued.fileIsExposed {
                    Output.standardError("ferry: warning: \(file) is readable by group or others; chmod 600 \(file)\n")
                }
                Output.standardOutput(issued.token + "\n")
            }
        }
    }
}
