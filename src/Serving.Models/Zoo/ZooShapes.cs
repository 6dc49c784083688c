namespace Serving.Models.Zoo;

/// <summary>Spatial size arithmetic of the zoo's networks.</summary>
internal static class ZooShapes
{
    /// <summary>The side after <paramref name="halvings"/> stride-2 steps with "same" padding: ceil(side / 2) each time.</summary>
    public static int Downsample(int side, int halvings)
    {
        for (var i = 0; i < halvings; i++)
        {
            side = (side + 1) / 2;
        }

        return side;
    }
}
