import Ferry
import FerryBasics

/// `ferry run` ends with this when a job of the plan did not reach `done`: the jobs' own
/// errors are in the table printed before it (and in `ferry jobs logs`), so the line only
/// names which jobs and in what state, and the exit status tells a script the plan failed.
struct UnfinishedJobsError: ReportableError {
    var unfinished: [JobSummary]
    var total: Int

    var description: String {
        "\(unfinished.count) of \(total) job(s) did not finish: "
            + unfinished.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", ")
    }
}
