namespace Serving.Models.Tests.TfJs;

/// <summary>
/// Direct NHWC implementations of the TF ops the importer translates, written from TensorFlow's
/// documented semantics (SAME: out = ceil(in/stride), the odd padding pixel at the end; resize
/// coordinate rules), independent of the importer's layout and padding code.
/// </summary>
internal static class TfReference
{
    public static float[] Seeded(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>Conv2D (depthwise: filter [kh,kw,C,M], output channel c*M+m) with SAME or VALID padding.</summary>
    public static float[] Conv(float[] x, int h, int w, int c, float[] filter, int kh, int kw, int outC, int stride, bool same, bool depthwise, out int oh, out int ow)
    {
        oh = same ? (h + stride - 1) / stride : ((h - kh) / stride) + 1;
        ow = same ? (w + stride - 1) / stride : ((w - kw) / stride) + 1;
        var padTop = same ? Math.Max(((oh - 1) * stride) + kh - h, 0) / 2 : 0;
        var padLeft = same ? Math.Max(((ow - 1) * stride) + kw - w, 0) / 2 : 0;
        var multiplier = depthwise ? outC / c : 0;
        var y = new float[oh * ow * outC];
        for (var oy = 0; oy < oh; oy++)
        {
            for (var ox = 0; ox < ow; ox++)
            {
                for (var o = 0; o < outC; o++)
                {
                    double sum = 0;
                    for (var ky = 0; ky < kh; ky++)
                    {
                        for (var kx = 0; kx < kw; kx++)
                        {
                            int iy = (oy * stride) + ky - padTop, ix = (ox * stride) + kx - padLeft;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                            {
                                continue;
                            }

                            if (depthwise)
                            {
                                int ci = o / multiplier, m = o % multiplier;
                                sum += x[(((iy * w) + ix) * c) + ci] * filter[(((((ky * kw) + kx) * c) + ci) * multiplier) + m];
                            }
                            else
                            {
                                for (var ci = 0; ci < c; ci++)
                                {
                                    sum += x[(((iy * w) + ix) * c) + ci] * filter[(((((ky * kw) + kx) * c) + ci) * outC) + o];
                                }
                            }
                        }
                    }

                    y[(((oy * ow) + ox) * outC) + o] = (float)sum;
                }
            }
        }

        return y;
    }

    /// <summary>TF ResizeBilinear (tf.image.resize_bilinear legacy flags) on one NHWC image.</summary>
    public static float[] ResizeBilinear(float[] x, int h, int w, int c, int oh, int ow, bool alignCorners, bool halfPixel)
    {
        var y = new float[oh * ow * c];
        for (var oy = 0; oy < oh; oy++)
        {
            var (y0, y1, fy) = Source(oy, h, oh, alignCorners, halfPixel);
            for (var ox = 0; ox < ow; ox++)
            {
                var (x0, x1, fx) = Source(ox, w, ow, alignCorners, halfPixel);
                for (var ch = 0; ch < c; ch++)
                {
                    float At(int yy, int xx) => x[(((yy * w) + xx) * c) + ch];
                    var top = At(y0, x0) + ((At(y0, x1) - At(y0, x0)) * fx);
                    var bottom = At(y1, x0) + ((At(y1, x1) - At(y1, x0)) * fx);
                    y[(((oy * ow) + ox) * c) + ch] = top + ((bottom - top) * fy);
                }
            }
        }

        return y;
    }

    private static (int Low, int High, float Fraction) Source(int o, int inSize, int outSize, bool alignCorners, bool halfPixel)
    {
        float scale = alignCorners && outSize > 1 ? (inSize - 1f) / (outSize - 1f) : (float)inSize / outSize;
        var position = halfPixel ? ((o + 0.5f) * scale) - 0.5f : o * scale;
        var low = (int)MathF.Floor(position);
        var fraction = position - low;
        return (Math.Clamp(low, 0, inSize - 1), Math.Clamp(low + 1, 0, inSize - 1), fraction);
    }
}
