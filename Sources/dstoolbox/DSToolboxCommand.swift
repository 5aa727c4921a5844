import ArgumentParser
import DSToolbox

/// The `dstoolbox` command-line tool: a thin layer over the kits.
@main
struct DSToolboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dstoolbox",
        abstract: "DS Toolbox: data, models, seismic I/O and whole workflows from the command line.",
        version: DSToolboxVersion.current,
        subcommands: [DataCommand.self, SEGYCommand.self, FeaturesCommand.self, DriftCommand.self, VectorCommand.self, RunsCommand.self, ModelsCommand.self, TrackingCommand.self, StoreCommand.self, ServeCommand.self, LearnCommand.self, StudyCommand.self, TuneCommand.self,
                      RunWorkflowCommand.self, ValidateWorkflowCommand.self, ValidateDataCommand.self, InitWorkflowCommand.self]
    )
}

