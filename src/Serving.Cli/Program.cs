using System.CommandLine;
using Serving.Cli.Commands;

var root = new RootCommand("Serving: an SLO-aware gRPC model-serving cluster for vision models.")
{
    OnnxCommands.Create(),
    EvalCommands.Create(),
    StandaloneCommand.Create(),
    WorkerCommand.Create(),
    RouterCommand.Create(),
    ModelsCommands.Create(),
    HealthCommand.Create(),
    ProfileCommand.Create(),
    LoadTestCommand.Create(),
};
foreach (var command in ClientCommands.Create())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
