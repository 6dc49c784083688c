using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Serving.Models.Inspection;

/// <summary>Renders a <see cref="ModelReport"/> for people (aligned text) and for tools (JSON), as <c>serving models inspect</c> prints it.</summary>
public static class ModelReportFormat
{
    public static string ToText(ModelReport report, string modelName)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"model          {modelName}");
        foreach (var (name, shape) in report.InputShapes)
        {
            text.AppendLine(c, $"input          {name} [{string.Join(",", shape)}]");
        }

        foreach (var (name, shape) in report.OutputShapes)
        {
            text.AppendLine(c, $"output         {name} [{string.Join(",", shape)}]");
        }

        text.AppendLine(c, $"parameters     {report.LearnableParameters:N0} learnable ({report.LearnableParameters / 1e6:F2}M), {report.Parameters:N0} with batch-norm statistics");
        text.AppendLine(report.MultiplyAddsMin == report.MultiplyAddsMax
            ? string.Create(c, $"multiply-adds  {report.MultiplyAdds:N0} ({report.MultiplyAdds / 1e9:F3} G)")
            : string.Create(c, $"multiply-adds  {report.MultiplyAddsMin:N0} .. {report.MultiplyAddsMax:N0} ({report.MultiplyAddsMin / 1e9:F3} .. {report.MultiplyAddsMax / 1e9:F3} G, {report.ConditionalNodes} conditional paths)"));
        text.AppendLine("op type                nodes    multiply-adds");
        foreach (var (op, cost) in report.PerOpType.OrderByDescending(p => p.Value.MultiplyAdds).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(c, $"{op,-20} {cost.Nodes,7} {cost.MultiplyAdds,16:N0}");
        }

        return text.ToString();
    }

    public static string ToJson(ModelReport report, string modelName)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", modelName);
            json.WriteNumber("parameters", report.Parameters);
            json.WriteNumber("learnable_parameters", report.LearnableParameters);
            json.WriteNumber("multiply_adds", report.MultiplyAdds);
            json.WriteNumber("multiply_adds_min", report.MultiplyAddsMin);
            json.WriteNumber("multiply_adds_max", report.MultiplyAddsMax);
            json.WriteNumber("conditional_nodes", report.ConditionalNodes);
            WriteShapes(json, "inputs", report.InputShapes);
            WriteShapes(json, "outputs", report.OutputShapes);
            json.WriteStartObject("per_op_type");
            foreach (var (op, cost) in report.PerOpType.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteStartObject(op);
                json.WriteNumber("nodes", cost.Nodes);
                json.WriteNumber("multiply_adds", cost.MultiplyAdds);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteShapes(Utf8JsonWriter json, string property, IReadOnlyDictionary<string, long[]> shapes)
    {
        json.WriteStartObject(property);
        foreach (var (name, shape) in shapes)
        {
            json.WriteStartArray(name);
            foreach (var d in shape)
            {
                json.WriteNumberValue(d);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }
}
