namespace Serving.Models.Evaluation;

/// <summary>One labelled pair of face images.</summary>
/// <param name="ImageA">File name of the first image, relative to the images folder.</param>
/// <param name="ImageB">File name of the second image.</param>
/// <param name="Same">Whether both show the same person.</param>
public sealed record FacePair(string ImageA, string ImageB, bool Same)
{
    /// <summary>Reads a <c>image_a,image_b,same</c> CSV (header line, same = 1 or 0).</summary>
    /// <exception cref="FormatException">A line is not three fields with same = 0 or 1; the message gives the line number.</exception>
    public static IReadOnlyList<FacePair> ReadCsv(string path)
    {
        var pairs = new List<FacePair>();
        string[] lines = File.ReadAllLines(path);
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split(',');
            if (fields.Length != 3 || fields[2].Trim() is not ("0" or "1"))
            {
                throw new FormatException($"{path}:{i + 1}: expected 'image_a,image_b,same' with same 0 or 1, got '{line}'.");
            }

            pairs.Add(new FacePair(fields[0].Trim(), fields[1].Trim(), fields[2].Trim() == "1"));
        }

        return pairs;
    }
}
