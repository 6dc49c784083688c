using Serving.Models.Evaluation;

namespace Serving.Models.Tests.Evaluation;

public sealed class FacePairTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"pairs-{Guid.NewGuid():N}.csv");

    [Fact]
    public void ReadCsv_ValidFile_ReadsPairsSkippingHeaderAndBlankLines()
    {
        File.WriteAllText(_path, "image_a,image_b,same\na.jpg,b.jpg,1\n\nc.jpg, d.jpg ,0\n");

        IReadOnlyList<FacePair> pairs = FacePair.ReadCsv(_path);

        Assert.Equal([new FacePair("a.jpg", "b.jpg", true), new FacePair("c.jpg", "d.jpg", false)], pairs);
    }

    [Fact]
    public void ReadCsv_BadLabel_NamesTheLine()
    {
        File.WriteAllText(_path, "image_a,image_b,same\na.jpg,b.jpg,1\na.jpg,b.jpg,yes\n");

        var error = Assert.Throws<FormatException>(() => FacePair.ReadCsv(_path));

        Assert.Contains(":3:", error.Message);
    }

    [Fact]
    public void ReadCsv_DevSet_Has316LabelledPairs()
    {
        IReadOnlyList<FacePair> pairs = FacePair.ReadCsv(DevData.FacePairsPath);

        Assert.Equal(316, pairs.Count);
        Assert.Equal(146, pairs.Count(p => p.Same));
    }

    public void Dispose() => File.Delete(_path);
}
