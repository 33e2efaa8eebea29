import ArgumentParser
import Ceph
import Ferry
import VSphere
import FerryServer
import Foundation
import Logging

extension FerryCommand {
    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run import workers only, sharing the RADOS job queue with other hosts.",
            discussion: """
                Claims jobs from the queue and runs them (inspect, import, verify, register, start) until
                stopped. SIGTERM or SIGINT drains: running imports stop at a checkpoint and their jobs go
                back to the queue, where any worker resumes them.
                """)

        @OptionGroup var service: ServiceOptions

        func run() async throws {
            LogSetup.bootstrap()
            let runtime = try service.runtime()
            defer { runtime.cluster.shutdown() }
            let worker = try runtime.worker()
            try await WorkerService(worker: worker).runUntilSignalled(logger: Logger(label: "ferry.worker"))
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a migration plan (YAML) to the job queue.")

        @OptionGroup var options: PlanCommandOptions

        func run() async throws {
            let (plan, json, service) = (options.plan, options.json, options.service)
            let jobs = try service.runtime().submit(try MigrationPlan(contentsOf: plan))
            if json {
                Output.json(jobs.map(\.summary))
            } else {
                for job in jobs { Output.standardOutput("\(job.id) \(job.spec.displayName) queued\n") }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a plan here and now: submit it and work on its jobs in this process until all have ended.",
            discussion: """
                For one admin at a shell, no server needed. The jobs live in the RADOS queue like any other,
                so an interrupted run continues with `ferry run` again (finished images are reused) or with
                `ferry worker`. Exits non-zero if any job failed or was cancelled.
                """)

        @OptionGroup var options: PlanCommandOptions

        func run() async throws {
            let (plan, json, service) = (options.plan, options.json, options.service)
            LogSetup.bootstrap()
            let runtime = try service.runtime()
            defer { runtime.cluster.shutdown() }
            let jobs = try runtime.submit(try MigrationPlan(contentsOf: plan))
            let ids = Set(jobs.map(\.id))
            let store = runtime.store
            let worker = try runtime.worker()
            // The worker's service returns once every job of the plan has ended, which ends the group.
            try await WorkerService(worker: worker, until: {
                try store.summaries().filter { ids.contains($0.id) }.allSatisfy(\.state.isFinal)
            }).runUntilSignalled(logger: Logger(label: "ferry.worker"))
            let final = try store.summaries().filter { ids.contains($0.id) }
            if json {
                Output.json(final)
            } else {
                for job in final { Output.standardOutput(JobTable.line(job) + "\n") }
            }
            let unfinished = final.filter { $0.state != .done }
            if !unfinished.isEmpty {
                throw UnfinishedJobsError(unfinished: unfinished, total: final.count)
            }
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check migration plans before anything is copied.", subcommands: [Validate.self])

        struct Validate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Inspect every VM of a plan and report all problems at once.",
                discussion: "Missing sources, unreadable disks, unmapped networks, unknown nodes, name clashes, existing images.")

            @OptionGroup var options: PlanCommandOptions

            func run() async throws {
                let (plan, json, service) = (options.plan, options.json, options.service)
                let parsed = try MigrationPlan(contentsOf: plan)
                let runtime = try service.runtime()
                let validator = PlanValidator(
                    configuration: runtime.configuration, cluster: runtime.cluster,
                    inventory: try runtime.configuration.inventory())
                let problems = try await validator.problems(in: parsed)
                await VSphereSessions.shared.closeAll()
                if json {
                    Output.json(problems)
                } else {
                    for problem in problems { Output.standardOutput("problem: \(problem)\n") }
                }
                guard problems.isEmpty else {
                    throw PlanError(source: plan, message: "\(problems.count) problem(s) in \(parsed.vms.count) VM(s)")
                }
                if !json { Output.standardOutput("\(plan): \(parsed.vms.count) VM(s), no problems found\n") }
            }
        }
    }
}

/// The plan file, `--json` and the service options: what every plan verb takes.
struct PlanCommandOptions: ParsableArguments {
    @Argument(help: "The plan file (YAML; see config/plan.example.yaml).")
    var plan: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    @OptionGroup var service: ServiceOptions
}
