using System.Diagnostics;
using Serving.OnnxRuntime;

namespace Serving.Models.Tests.TfJs;

/// <summary>
/// Runs a TF.js graph model with @tensorflow/tfjs in node (reference/run_tfjs.js): the original
/// runtime of these models, as an independent check of the importer. Installed by the set-up.
/// </summary>
internal static class TfJsReference
{
    public static string PackageDirectory => Path.Combine(OrtLibraryLocator.CacheDirectory, "npm", "node_modules", "@tensorflow", "tfjs");

    public static float[] Run(string modelJson, int[] shape, float[] input)
    {
        Assert.True(Directory.Exists(PackageDirectory), $"@tensorflow/tfjs is missing at '{PackageDirectory}': run ./test.sh or scripts/setup.sh tests.");
        var script = Path.Combine(AppContext.BaseDirectory, "reference", "run_tfjs.js");
        var work = Directory.CreateTempSubdirectory("tfjs-ref-").FullName;
        try
        {
            var inputPath = Path.Combine(work, "input.bin");
            var outputPath = Path.Combine(work, "output.bin");
            var bytes = new byte[input.Length * sizeof(float)];
            Buffer.BlockCopy(input, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(inputPath, bytes);
            var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { script, PackageDirectory, modelJson, string.Join(",", shape), inputPath, outputPath })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();

            // A safety net only: the selfie model runs in about a second.
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), "the tfjs reference did not finish within 120 s");
            Assert.True(process.ExitCode == 0, $"the tfjs reference failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
            var output = File.ReadAllBytes(outputPath);
            var values = new float[output.Length / sizeof(float)];
            Buffer.BlockCopy(output, 0, values, 0, output.Length);
            return values;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
