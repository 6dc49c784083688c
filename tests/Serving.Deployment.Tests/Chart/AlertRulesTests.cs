using Serving.Deployment.Tests.Infrastructure;

namespace Serving.Deployment.Tests.Chart;

/// <summary>
/// The chart's alert rules (helm/serving/files/alerts.yaml) checked and exercised by promtool, from
/// the Debian prometheus package the set-up installs: synthetic series in, expected alerts out.
/// </summary>
public sealed class AlertRulesTests
{
    private static string AlertsFile => Path.Combine(Tools.ChartDirectory, "files", "alerts.yaml");

    private static string Promtool
    {
        get
        {
            const string path = "/usr/bin/promtool";
            Assert.True(File.Exists(path), "promtool is missing: run ./test.sh (it installs the Debian prometheus package).");
            return path;
        }
    }

    [Fact]
    public void CheckRules_ChartAlertFile_IsValid()
    {
        var check = Tools.Run(Promtool, ["check", "rules", AlertsFile]);

        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS: 7 rules found", check.Output);
    }

    [Fact]
    public void TestRules_SyntheticTraffic_FiresExactlyTheExpectedAlerts()
    {
        var tests = $$"""
            rule_files:
              - {{AlertsFile}}
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  # face-verify/interactive misses 20% of its budget; segment/standard 1%.
                  - series: 'serving_slo_missed_total{task="face-verify",slo="interactive"}'
                    values: '0+20x90'
                  - series: 'serving_slo_attained_total{task="face-verify",slo="interactive"}'
                    values: '0+80x90'
                  - series: 'serving_slo_missed_total{task="segment",slo="standard"}'
                    values: '0+1x90'
                  - series: 'serving_slo_attained_total{task="segment",slo="standard"}'
                    values: '0+99x90'
                  - series: 'up{namespace="serving",pod="serving-worker-cpu-1"}'
                    values: '1 1 0x20'
                  - series: 'up{namespace="serving",pod="serving-router-abc"}'
                    values: '0x20'
                  # selfie-seg waits 100 ms per request with work pending; face-embed 5 ms.
                  - series: 'serving_queue_duration_seconds_sum{namespace="serving",model="selfie-seg",pod="w0"}'
                    values: '0+6x30'
                  - series: 'serving_queue_duration_seconds_count{namespace="serving",model="selfie-seg",pod="w0"}'
                    values: '0+60x30'
                  - series: 'serving_pending_requests{namespace="serving",model="selfie-seg",pod="w0"}'
                    values: '5x30'
                  - series: 'serving_queue_duration_seconds_sum{namespace="serving",model="face-embed",pod="w0"}'
                    values: '0+0.3x30'
                  - series: 'serving_queue_duration_seconds_count{namespace="serving",model="face-embed",pod="w0"}'
                    values: '0+60x30'
                  - series: 'serving_pending_requests{namespace="serving",model="face-embed",pod="w0"}'
                    values: '5x30'
                alert_rule_test:
                  - eval_time: 70m
                    alertname: ServingSLOBurnRateFast
                    exp_alerts:
                      - exp_labels: {severity: critical, task: face-verify, slo: interactive}
                        exp_annotations:
                          summary: "SLO interactive of task face-verify is burning its error budget fast"
                          description: "More than 14.4% of face-verify requests in SLO class interactive miss their latency budget (5m and 1h windows)."
                  - eval_time: 10m
                    alertname: ServingWorkerDown
                    exp_alerts:
                      - exp_labels: {severity: warning, namespace: serving, pod: serving-worker-cpu-1}
                        exp_annotations:
                          summary: "Worker serving-worker-cpu-1 cannot be scraped"
                          description: "Prometheus has not reached the metrics port of worker pod serving-worker-cpu-1 for 2 minutes."
                  - eval_time: 20m
                    alertname: ServingQueueSaturation
                    exp_alerts:
                      - exp_labels: {severity: warning, namespace: serving, model: selfie-seg}
                        exp_annotations:
                          summary: "Model selfie-seg requests wait more than 50 ms in queue"
                          description: "Mean queue time of selfie-seg has been above 50 ms for 10 minutes: the pool is at capacity."
                  - eval_time: 20m
                    alertname: ServingNoWorkersReady
                    exp_alerts: []
            """;
        var file = Path.Combine(Path.GetTempPath(), $"serving-alert-tests-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, tests);
        try
        {
            var run = Tools.Run(Promtool, ["test", "rules", file]);

            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("SUCCESS", run.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
