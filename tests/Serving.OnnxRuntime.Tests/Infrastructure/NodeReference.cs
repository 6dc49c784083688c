using System.Diagnostics;

namespace Serving.OnnxRuntime.Tests.Infrastructure;

/// <summary>Runs a model with onnxruntime-node (reference/run_ort_node.js) as an independent implementation.</summary>
internal static class NodeReference
{
    public static string PackageDirectory => Path.Combine(OrtLibraryLocator.CacheDirectory, "npm", "node_modules", "onnxruntime-node");

    public static float[] Run(string modelPath, string inputName, long[] shape, float[] input)
    {
        Assert.True(
            Directory.Exists(PackageDirectory),
            $"onnxruntime-node is missing at '{PackageDirectory}': run ./test.sh or scripts/setup.sh tests.");
        string script = Path.Combine(AppContext.BaseDirectory, "reference", "run_ort_node.js");
        string work = Directory.CreateTempSubdirectory("ort-node-ref-").FullName;
        try
        {
            string inputPath = Path.Combine(work, "input.bin");
            string outputPath = Path.Combine(work, "output.bin");
            var bytes = new byte[input.Length * sizeof(float)];
            Buffer.BlockCopy(input, 0, bytes, 0, bytes.Length);
            File.WriteAllBytes(inputPath, bytes);

            var start = new ProcessStartInfo("node")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[] { script, PackageDirectory, modelPath, inputName, string.Join(",", shape), inputPath, outputPath })
            {
                start.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("node is not installed: run ./test.sh or scripts/setup.sh tests (Debian: apt-get install -y nodejs).", e);
            }

            using (process)
            {
                Task<string> stderr = process.StandardError.ReadToEndAsync();
                Task<string> stdout = process.StandardOutput.ReadToEndAsync();
                // A safety net only: the script finishes in well under a second.
                Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "The node reference did not finish within 60 s.");
                Assert.True(process.ExitCode == 0, $"The node reference failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
            }

            byte[] output = File.ReadAllBytes(outputPath);
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
