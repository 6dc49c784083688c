using System.CommandLine;
using Serving.OnnxRuntime;

namespace Serving.Cli.Commands;

/// <summary>
/// Runs the product on this machine with the real models. The worker and router arrive with their
/// issues; until then it loads the real face embedding model and reports it.
/// </summary>
internal static class StandaloneCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("standalone", "Run Serving on this machine with the real models") { json };
        command.SetAction(result =>
        {
            var model = new FileInfo(Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "faceplugin-face-recognition-js-0.0.1", "fr_feature.onnx"));
            if (!model.Exists)
            {
                Console.Error.WriteLine($"error: {model.FullName} is missing: run ./serving (it fetches the models) or scripts/setup.sh runtime");
                return 1;
            }

            return ModelInfo.Run(model, runs: 20, threads: 0, json: result.GetValue(json), Console.Out);
        });
        return command;
    }
}
