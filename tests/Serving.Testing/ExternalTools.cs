using Xunit;

namespace Serving.Testing;

/// <summary>The Debian <c>prometheus</c> package's binaries, which <c>scripts/setup.sh tests</c> installs.</summary>
public static class ExternalTools
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Prometheus = "/usr/bin/prometheus";

    /// <summary>Fails (never skips) the test when the tool is missing: CI runs set-up first, so absence is a broken environment.</summary>
    public static string Require(string path)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is missing. Run ./test.sh (or scripts/setup.sh tests), which installs the Debian package 'prometheus'.");
        }

        return path;
    }
}
