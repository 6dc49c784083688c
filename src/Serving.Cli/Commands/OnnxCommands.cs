using System.CommandLine;

namespace Serving.Cli.Commands;

internal static class OnnxCommands
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "Path of the .onnx file" };
        var runs = new Option<int>("--runs") { Description = "Timed runs on random input", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (0 = ONNX Runtime's default)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var info = new Command("info", "Print a model's inputs and outputs (element types, shapes) and its p50 latency on random input")
        {
            model, runs, threads, json,
        };
        info.SetAction(result => ModelInfo.Run(
            result.GetRequiredValue(model), result.GetValue(runs), result.GetValue(threads), result.GetValue(json), Console.Out));
        return new Command("onnx", "Inspect ONNX models with the bundled ONNX Runtime") { info };
    }
}
