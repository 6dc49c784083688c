using Serving.Models.Onnx;

namespace Serving.Models.Zoo;

/// <summary>A value routed to a cell, with the scalar activity (max gate over the batch) of the path that produced it; null when always present.</summary>
internal sealed record Routed(string Value, string? Activity);

/// <summary>A cell's results: its hidden state, its gates [N, 3] (up, keep, down; null for the last layer) and its activity scalar (null: always runs).</summary>
internal sealed record CellOutput(string Hidden, string? Gates, string? Activity);

/// <summary>Writes the cells, gated paths and decoder of <see cref="DynamicRoutingModels"/>; each conditional part becomes an <c>If</c>.</summary>
internal sealed class Router(Layers layers)
{
    private const int Up = 0, Keep = 1, Down = 2;
    private int _branches;

    public List<(CellOutput Cell, int Scale)> Finals { get; } = [];

    private GraphBuilder G => layers.G;

    /// <summary>Sums the routed inputs and runs the cell, inside an If unless an input is unconditional.</summary>
    public CellOutput Cell(IReadOnlyList<Routed> inputs, int scale, bool gated)
    {
        var x = inputs[0].Value;
        for (var i = 1; i < inputs.Count; i++)
        {
            x = G.Add(x, inputs[i].Value);
        }

        if (inputs.Any(r => r.Activity is null))
        {
            var (hidden, gates) = CellBody(layers, x, scale, gated);
            return new CellOutput(hidden, gates, null);
        }

        var activities = inputs.Select(r => r.Activity!).ToArray();
        var activity = activities.Length == 1 ? activities[0] : G.Node("Max", activities);
        var prefix = $"cell{_branches++}_";
        var branch = new GraphBuilder(prefix + "run");
        var (h, gt) = CellBody(new Layers(branch, layers.Random), x, scale, gated);
        Subgraphs.Output(branch, h);
        if (gt is not null)
        {
            Subgraphs.Output(branch, gt);
        }

        var skip = gated ? Subgraphs.Zeros(prefix, [1, 1, 1, 1], [1, 3]) : Subgraphs.Zeros(prefix, [1, 1, 1, 1]);
        var outputs = G.If(Open(activity), Subgraphs.Seal(branch, prefix), skip);
        return new CellOutput(outputs[0], gated ? outputs[1] : null, activity);
    }

    /// <summary>The cell's up/keep/down paths, each run only when its gate is open for some sample.</summary>
    public IEnumerable<(int Target, Routed Value)> Paths(CellOutput cell, int scale)
    {
        for (var path = Up; path <= Down; path++)
        {
            var target = scale + path - 1;
            if (target < 0 || target >= DynamicRoutingModels.Scales)
            {
                continue;
            }

            var column = G.Slice(cell.Gates!, [path], [path + 1], [1]);
            var activity = G.ReduceMax(column, false);
            var prefix = $"path{_branches++}_";
            var branch = new GraphBuilder(prefix + "run");
            var l = new Layers(branch, layers.Random);
            var gate = branch.Reshape(column, 0, 1, 1, 1);
            var from = DynamicRoutingModels.Width(scale);
            var to = DynamicRoutingModels.Width(target);
            var moved = path switch
            {
                Up => branch.Resize(l.ConvBnRelu(cell.Hidden, from, to, 1), 2f),
                Down => l.ConvBnRelu(cell.Hidden, from, to, 3, stride: 2),
                _ => cell.Hidden,
            };
            Subgraphs.Output(branch, branch.Mul(moved, gate));
            var value = G.If(Open(activity), Subgraphs.Seal(branch, prefix), Subgraphs.Zeros(prefix, [1, 1, 1, 1]))[0];
            yield return (target, new Routed(value, activity));
        }
    }

    /// <summary>Fuses the stem and the last layer's cells at 1/4 and predicts the mask.</summary>
    public string Decode(string stem)
    {
        const int width = 32;
        var x = layers.Conv(stem, DynamicRoutingModels.Width(0), width, 1, bias: true);
        foreach (var (cell, scale) in Finals)
        {
            var prefix = $"dec{_branches++}_";
            var branch = new GraphBuilder(prefix + "run");
            var l = new Layers(branch, layers.Random);
            var projected = l.Conv(cell.Hidden, DynamicRoutingModels.Width(scale), width, 1, bias: true);
            Subgraphs.Output(branch, scale == 0 ? projected : branch.Resize(projected, 1 << scale));
            var value = cell.Activity is null
                ? throw new InvalidOperationException("the last layer's cells are always conditional")
                : G.If(Open(cell.Activity), Subgraphs.Seal(branch, prefix), Subgraphs.Zeros(prefix, [1, 1, 1, 1]))[0];
            x = G.Add(x, value);
        }

        var logits = layers.Conv(layers.BnRelu(x, width), width, 1, 1, bias: true);
        return G.Sigmoid(G.Resize(logits, 4f));
    }

    private static (string Hidden, string? Gates) CellBody(Layers l, string x, int scale, bool gated)
    {
        var g = l.G;
        var c = DynamicRoutingModels.Width(scale);
        var y = l.BatchNorm(l.Conv(l.ConvBnRelu(x, c, c, 3), c, c, 3), c);
        var hidden = g.Relu(g.Add(x, y));
        if (!gated)
        {
            return (hidden, null);
        }

        var pooled = g.Flatten(g.GlobalAveragePool(hidden));
        var squeezed = g.Relu(l.Fc(pooled, c, c / 4));
        // Non-negative gate weights over ReLU features: the gate logit grows with the cell's activation
        // energy, and the negative bias sets the energy a path needs to open.
        var bound = MathF.Sqrt(6f / (c / 4));
        var wData = new float[3 * (c / 4)];
        for (var i = 0; i < wData.Length; i++)
        {
            wData[i] = (float)(l.Random.NextDouble() * bound);
        }

        var w = g.Weights("gate_w", [3, c / 4], wData);
        var b = g.Weights("gate_b", [3], [DynamicRoutingModels.GateBias, DynamicRoutingModels.GateBias, DynamicRoutingModels.GateBias]);
        return (hidden, g.Relu(g.Tanh(g.Gemm(squeezed, w, b))));
    }

    private string Open(string activity) => G.Greater(activity, G.Scalar("zero", 0f));
}
