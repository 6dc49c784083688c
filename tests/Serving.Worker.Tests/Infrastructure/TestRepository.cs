using Serving.Models.Onnx;
using Serving.Worker.Repository;
using Serving.Worker.Repository.Tools;

namespace Serving.Worker.Tests.Infrastructure;

/// <summary>A temporary model repository with small models written by the ONNX writer, and optionally the real face model.</summary>
internal sealed class TestRepository : IDisposable
{
    public TestRepository()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "serving-worker-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public static string RealFeatureModel => System.IO.Path.Combine(DefaultRepository.FaceModelsPath, "fr_feature.onnx");

    /// <summary>
    /// A batchable model: input <c>x</c> FP32 [batch, 4] -> <c>y</c> = 2x and <c>z</c> = x + 1, both [batch, 4].
    /// </summary>
    public TestRepository AddDoubler(string name = "doubler", ModelConfiguration? config = null, bool writeConfig = true, long version = 1, float factor = 2f)
    {
        var g = new GraphBuilder(name);
        var x = g.Input("x", OnnxDataType.Float, "batch", 4);
        var two = g.Initializer(Tensors.ScalarFloat(g.Fresh("factor"), factor));
        var one = g.Initializer(Tensors.ScalarFloat(g.Fresh("one"), 1f));
        g.AddNode("Mul", [x, two], ["y"]);
        g.AddNode("Add", [x, one], ["z"]);
        g.Output("y", OnnxDataType.Float, "batch", 4);
        g.Output("z", OnnxDataType.Float, "batch", 4);
        WriteModel(name, version, OnnxModel.Create(g));
        if (writeConfig)
        {
            WriteConfig(config ?? DoublerConfig(name));
        }

        return this;
    }

    /// <summary>A model with a fixed batch of 1: <c>x</c> FP32 [1, 4] -> <c>y</c> = 2x [1, 4]; no config.json (auto-completed).</summary>
    public TestRepository AddFixed(string name = "fixed")
    {
        var g = new GraphBuilder(name);
        var x = g.Input("x", OnnxDataType.Float, 1, 4);
        var two = g.Initializer(Tensors.ScalarFloat(g.Fresh("two"), 2f));
        g.AddNode("Mul", [x, two], ["y"]);
        g.Output("y", OnnxDataType.Float, 1, 4);
        WriteModel(name, 1, OnnxModel.Create(g));
        return this;
    }

    /// <summary>The real face embedding model, unbatched (fixed batch 1 in the file).</summary>
    public TestRepository AddRealFeature(string name = "fr_feature", int instances = 1)
    {
        var directory = System.IO.Path.Combine(Path, name, "1");
        Directory.CreateDirectory(directory);
        File.Copy(RealFeatureModel, System.IO.Path.Combine(directory, "model.onnx"), overwrite: true);
        WriteConfig(new ModelConfiguration
        {
            Name = name,
            MaxBatchSize = 0,
            Inputs = [new TensorConfiguration { Name = "input", Datatype = "FP32", Dims = [1, 3, 112, 112] }],
            Outputs = [new TensorConfiguration { Name = "output", Datatype = "FP32", Dims = [1, 512] }],
            InstanceGroup = new InstanceGroupConfiguration { Count = instances },
        });
        return this;
    }

    /// <summary>
    /// A batchable model with a small input and a few milliseconds of compute per element:
    /// <c>x</c> FP32 [batch, 4] expanded to [batch, 4, 96, 96], three 3x3 convolutions, mean -> <c>y</c> [batch, 32].
    /// Requests are cheap to send, so a test can saturate the worker rather than the client.
    /// </summary>
    public TestRepository AddSlow(string name, int maxBatchSize, int maxQueueSize)
    {
        var random = new Random(5);
        var g = new GraphBuilder(name);
        var x = g.Input("x", OnnxDataType.Float, "batch", 4);
        var image = g.Node("Expand", [g.Node("Reshape", [x, g.Int64s("shape", -1, 4, 1, 1)]), g.Int64s("size", 1, 4, 96, 96)]);
        var h = g.Relu(g.Conv(image, g.RandomWeights("w1", [32, 4, 3, 3], random, 0.2f), null, 3, pad: 1));
        h = g.Relu(g.Conv(h, g.RandomWeights("w2", [32, 32, 3, 3], random, 0.05f), null, 3, pad: 1));
        h = g.Relu(g.Conv(h, g.RandomWeights("w3", [32, 32, 3, 3], random, 0.05f), null, 3, pad: 1));
        g.AddNode("ReduceMean", [h], ["y"], Attr.Ints("axes", 2, 3), Attr.Int("keepdims", 0));
        g.Output("y", OnnxDataType.Float, "batch", 32);
        WriteModel(name, 1, OnnxModel.Create(g));
        WriteConfig(new ModelConfiguration
        {
            Name = name,
            MaxBatchSize = maxBatchSize,
            Inputs = [new TensorConfiguration { Name = "x", Datatype = "FP32", Dims = [4] }],
            Outputs = [new TensorConfiguration { Name = "y", Datatype = "FP32", Dims = [32] }],
            DynamicBatching = new DynamicBatchingConfiguration { DefaultQueuePolicy = new QueuePolicyConfiguration { MaxQueueSize = maxQueueSize } },
        });
        return this;
    }

    public static ModelConfiguration DoublerConfig(string name, int maxBatchSize = 8, long maxQueueDelayUs = 0, int maxQueueSize = 0, int instances = 1) => new()
    {
        Name = name,
        MaxBatchSize = maxBatchSize,
        Inputs = [new TensorConfiguration { Name = "x", Datatype = "FP32", Dims = [4] }],
        Outputs = [new TensorConfiguration { Name = "y", Datatype = "FP32", Dims = [4] }, new TensorConfiguration { Name = "z", Datatype = "FP32", Dims = [4] }],
        DynamicBatching = new DynamicBatchingConfiguration
        {
            MaxQueueDelayUs = maxQueueDelayUs,
            PriorityLevels = 2,
            DefaultPriorityLevel = 2,
            DefaultQueuePolicy = new QueuePolicyConfiguration { MaxQueueSize = maxQueueSize, AllowTimeoutOverride = true },
        },
        InstanceGroup = new InstanceGroupConfiguration { Count = instances },
    };

    public void WriteConfig(ModelConfiguration config)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(Path, config.Name));
        File.WriteAllText(System.IO.Path.Combine(Path, config.Name, "config.json"), ModelConfigurationSerializer.Serialize(config));
    }

    private void WriteModel(string name, long version, Serving.Models.Onnx.Proto.ModelProto model)
    {
        var directory = System.IO.Path.Combine(Path, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        model.Save(System.IO.Path.Combine(directory, "model.onnx"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A still-open file on some platforms; the temp folder is cleaned eventually.
        }
    }
}
