using System.CommandLine;
using Google.Protobuf;
using Serving.Models.Inspection;
using Serving.Models.Onnx;
using Serving.Models.Zoo;

namespace Serving.Cli.Commands;

/// <summary>
/// <c>serving models inspect</c> (parameters and multiply-adds of any ONNX model or zoo architecture)
/// and <c>serving models build</c> (writes a zoo architecture with seeded, synthetic weights).
/// </summary>
internal static class ModelsZooCommands
{
    public static Command Inspect()
    {
        var model = new Argument<string>("model") { Description = $"An .onnx file, or a zoo name ({string.Join(", ", ModelZoo.Names.Order())})" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var command = new Command("inspect", "Parameters and multiply-adds (conv/matmul/gemm, batch 1) computed from the ONNX graph") { model, json };
        command.SetAction(result =>
        {
            var name = result.GetRequiredValue(model);
            try
            {
                var proto = File.Exists(name) ? OnnxModel.Load(name) : ModelZoo.Build(name, seed: 1);
                var report = ModelInspector.Inspect(proto);
                var label = Path.GetFileNameWithoutExtension(name);
                Console.WriteLine(result.GetValue(json) ? ModelReportFormat.ToJson(report, label) : ModelReportFormat.ToText(report, label));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or IOException or InvalidProtocolBufferException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    public static Command Build()
    {
        var name = new Argument<string>("name") { Description = $"Zoo architecture: {string.Join(", ", ModelZoo.Names.Order())}" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the .onnx file", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic weights (same seed, same bytes)", DefaultValueFactory = _ => 1 };
        var command = new Command("build", "Write a zoo architecture (DPN, WeightNet, dynamic routing) with seeded synthetic weights") { name, output, seed };
        command.SetAction(result =>
        {
            try
            {
                var file = result.GetRequiredValue(output);
                ModelZoo.Build(result.GetRequiredValue(name), result.GetValue(seed)).Save(file.FullName);
                Console.WriteLine(file.FullName);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
