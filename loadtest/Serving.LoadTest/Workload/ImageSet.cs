namespace Serving.LoadTest.Workload;

/// <summary>Encoded images (JPEG/PNG bytes) loaded once from a folder, picked by a seeded random.</summary>
internal sealed class ImageSet
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png"];

    private ImageSet(string directory, IReadOnlyList<(string Name, byte[] Bytes)> images)
    {
        Directory = directory;
        Images = images;
    }

    public string Directory { get; }

    public IReadOnlyList<(string Name, byte[] Bytes)> Images { get; }

    public byte[] Pick(Random random) => Images[random.Next(Images.Count)].Bytes;

    /// <summary>Every image of <paramref name="directory"/> in name order (so a seed picks the same files everywhere).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder is missing or holds no images.</exception>
    public static ImageSet Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"image folder {directory} does not exist");
        }

        var files = System.IO.Directory.EnumerateFiles(directory)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new DirectoryNotFoundException($"image folder {directory} holds no .jpg/.jpeg/.png files");
        }

        return new ImageSet(directory, files.Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList());
    }

    /// <summary>
    /// The shared dev sets (<c>../shared/data</c> beside the repository): <c>$SERVING_DATA</c>, else the
    /// first <c>../shared/data</c> above the working directory or the executable; null when none.
    /// </summary>
    public static string? FindDataDirectory()
    {
        if (Environment.GetEnvironmentVariable("SERVING_DATA") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        foreach (var start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "data");
                if (System.IO.Directory.Exists(Path.Combine(candidate, "faces")))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        return null;
    }
}
