namespace Serving.Models.Evaluation;

/// <summary>Verification quality of one face variant on one labelled pair set.</summary>
/// <param name="Variant">The variant evaluated.</param>
/// <param name="DataSet">The pair set's name (its folder, e.g. "faces"), recorded beside the variant's quality.</param>
/// <param name="Pairs">Pairs scored.</param>
/// <param name="SamePairs">Pairs labelled same person.</param>
/// <param name="DifferentPairs">Pairs labelled different people.</param>
/// <param name="Auc">ROC AUC of the cosine.</param>
/// <param name="TarAtFar1e2">True accept rate at false accept rate 1e-2.</param>
/// <param name="TarAtFar1e3">True accept rate at false accept rate 1e-3 (with under 1000 different pairs: at zero false accepts).</param>
/// <param name="Threshold">The variant's configured threshold.</param>
/// <param name="Accuracy">Accuracy at <paramref name="Threshold"/>.</param>
/// <param name="CalibratedThreshold">The best-accuracy threshold on this set (<see cref="Pipelines.Face.ThresholdCalibration"/>).</param>
/// <param name="CalibratedAccuracy">Accuracy at <paramref name="CalibratedThreshold"/>.</param>
/// <param name="MeanCosineSame">Mean cosine of same-person pairs.</param>
/// <param name="MeanCosineDifferent">Mean cosine of different-person pairs.</param>
/// <param name="ImagesWithoutFace">Images where no face was found (their pairs score -1: "different").</param>
/// <param name="Images">Distinct images embedded.</param>
/// <param name="Elapsed">Wall time of the whole evaluation.</param>
public sealed record FaceEvaluationResult(
    string Variant,
    string DataSet,
    int Pairs,
    int SamePairs,
    int DifferentPairs,
    double Auc,
    double TarAtFar1e2,
    double TarAtFar1e3,
    double Threshold,
    double Accuracy,
    double CalibratedThreshold,
    double CalibratedAccuracy,
    double MeanCosineSame,
    double MeanCosineDifferent,
    IReadOnlyList<string> ImagesWithoutFace,
    int Images,
    TimeSpan Elapsed);
