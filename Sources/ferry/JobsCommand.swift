import ArgumentParser
import Ferry
import Foundation

extension FerryCommand {
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, show, cancel or retry jobs in the queue, or read their logs.",
            subcommands: [List.self, Show.self, Cancel.self, Retry.self, Logs.self], defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List jobs (oldest first).")

            @Option(help: "Only jobs in this state (queued, running, done, failed, cancelled).")
            var state: JobState?

            @Option(help: "Only jobs of this plan.")
            var plan: String?

            @Flag(help: "JSON instead of a table.")
            var json = false

            @OptionGroup var service: ServiceOptions

            func run() async throws {
                let jobs = try service.runtime().store.summaries().filter {
                    (state == nil || $0.state == state) && (plan == nil || $0.plan == plan)
                }
                if json {
                    Output.json(jobs)
                } else {
                    Output.standardOutput(JobTable.header + "\n" + jobs.map { JobTable.line($0) + "\n" }.joined())
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show one job: spec, state, disks, errors.")

            @OptionGroup var options: JobCommandOptions

            func run() async throws {
                let (id, json, service) = (options.id, options.json, options.service)
                let job = try service.runtime().store.existingJob(id)
                if json { return Output.json(job) }
                var lines = [
                    "job \(job.id) (\(job.spec.displayName)) from plan \(job.plan)",
                    "  state: \(job.state.rawValue)\(job.step.map { " at \($0.rawValue)" } ?? ""), attempt \(job.attempts) of \(job.maxAttempts)",
                    "  source: \(job.spec.source)",
                    "  target: pool \(job.spec.pool)\(job.spec.namespace.map { "/\($0)" } ?? ""), node \(job.node ?? "automatic"), domain \(job.domain ?? "-")",
                ]
                for disk in job.disks {
                    lines.append("  disk \(disk.slot): \(disk.source) → \(disk.image) \(JobTable.bytes(disk.doneBytes))/\(JobTable.bytes(disk.totalBytes))\(disk.verified ? " verified" : "")")
                }
                if let error = job.error { lines.append("  error: \(error)") }
                Output.standardOutput(lines.joined(separator: "\n") + "\n")
            }
        }

        struct Cancel: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Cancel a job; a running job stops at its next lease renewal, keeping its checkpoints.")
            @OptionGroup var options: JobCommandOptions

            func run() async throws {
                let (id, json, service) = (options.id, options.json, options.service)
                let job = try service.runtime().store.cancel(id)
                if json { return Output.json(job) }
                Output.standardOutput(
                    job.state == .cancelled ? "\(id) cancelled\n" : "\(id) cancel requested; its worker stops it within seconds\n")
            }
        }

        struct Retry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Queue a failed or cancelled job again; its imports resume from their checkpoints.")
            @OptionGroup var options: JobCommandOptions

            func run() async throws {
                let (id, json, service) = (options.id, options.json, options.service)
                let job = try service.runtime().store.retry(id)
                if json { return Output.json(job) }
                Output.standardOutput("\(id) queued again\n")
            }
        }

        struct Logs: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print a job's log.")
            @OptionGroup var options: JobCommandOptions

            func run() async throws {
                let (id, json, service) = (options.id, options.json, options.service)
                let job = try service.runtime().store.existingJob(id)
                if json { return Output.json(job.log) }
                Output.standardOutput(job.log.map { "\(JobCoding.format($0.time)) \($0.message)\n" }.joined())
            }
        }
    }
}

extension JobState: ExpressibleByArgument {}

/// A job id, `--json` and the service options: what every one-job verb takes.
struct JobCommandOptions: ParsableArguments {
    @Argument(help: "The job's id (see `ferry jobs list`).")
    var id: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var service: ServiceOptions
}

extension JobStore {
    /// The job, or a one-line error for an unknown id.
    fileprivate func existingJob(_ id: String) throws -> Job {
        guard let job = try job(id) else { throw JobStoreError(.unknownJob, "no job \(id) in the queue") }
        return job
    }
}

/// The `ferry jobs` table.
enum JobTable {
    static let header = "ID                                 STATE      STEP      PROGRESS            NAME"

    static func line(_ job: JobSummary) -> String {
        let progress = job.totalBytes > 0 ? "\(bytes(job.doneBytes))/\(bytes(job.totalBytes))" : "-"
        var line = [
            job.id.padding(toLength: 34, withPad: " ", startingAt: 0),
            job.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0),
            (job.step?.rawValue ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0),
            progress.padding(toLength: 19, withPad: " ", startingAt: 0), job.name,
        ].joined(separator: " ")
        if let error = job.error, job.state == .failed || job.state == .queued { line += "  (\(error))" }
        return line
    }

    static func bytes(_ value: UInt64) -> String {
        value >= 1 << 30 ? String(format: "%.1fG", Double(value) / 1_073_741_824) : String(format: "%.1fM", Double(value) / 1_048_576)
    }
}
