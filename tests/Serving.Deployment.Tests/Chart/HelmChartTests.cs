using System.Text.Json.Nodes;
using Serving.Deployment.Tests.Infrastructure;

namespace Serving.Deployment.Tests.Chart;

[Collection(ChartCollection.Name)]
public sealed class HelmChartTests(ChartFixture chart)
{
    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Lint_ValuesFile_Passes(string valuesFile)
    {
        var args = new List<string> { "lint", Tools.ChartDirectory, "--strict" };
        if (valuesFile.Length > 0)
        {
            args.AddRange(["--values", Path.Combine(Tools.ChartDirectory, valuesFile)]);
        }

        var lint = Tools.Run(Tools.Helm, args);

        Assert.True(lint.ExitCode == 0, $"helm lint ({ChartFixture.Describe(valuesFile)}) failed:\n{lint.Output}");
        Assert.Contains("0 chart(s) failed", lint.Output);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Template_ValuesFile_EveryManifestMatchesItsKubernetesSchema(string valuesFile)
    {
        var rendered = chart.Render(valuesFile);

        Assert.True(rendered.SchemaErrors.Count == 0, $"{ChartFixture.Describe(valuesFile)}:\n{string.Join('\n', rendered.SchemaErrors)}");
        Assert.Equal(0, rendered.Validation.ExitCode);
        Assert.Single(rendered.OfKind("Deployment"));
        Assert.NotEmpty(rendered.OfKind("StatefulSet"));
    }

    [Fact]
    public void Template_GpuValues_GpuPoolsRequestNvidiaGpusOnCudaImage()
    {
        var rendered = chart.Render(ValuesFiles.Gpu);

        var face = rendered.Single("StatefulSet", "-worker-gpu-face");
        var seg = rendered.Single("StatefulSet", "-worker-gpu-seg");
        var cpu = rendered.Single("StatefulSet", "-worker-cpu-light");
        AssertGpus(face, 1);
        AssertGpus(seg, 2);
        Assert.Null(WorkerContainer(cpu)["resources"]!["limits"]!["nvidia.com/gpu"]);

        Assert.EndsWith("-worker-cuda", (string)WorkerContainer(face)["image"]!);
        Assert.EndsWith("-worker", (string)WorkerContainer(cpu)["image"]!);
        // The models init container reuses the pool's image: one pull per node.
        Assert.Equal((string?)WorkerContainer(face)["image"], (string?)Json.Objects(face["spec"]!["template"]!["spec"]!["initContainers"]).Single()["image"]);
        Assert.Equal("cuda", ArgAfter(WorkerContainer(face), "--device"));
        Assert.Equal("cpu", ArgAfter(WorkerContainer(cpu), "--device"));
        var podSpec = face["spec"]!["template"]!["spec"]!;
        Assert.Equal("true", (string?)podSpec["nodeSelector"]!["nvidia.com/gpu.present"]);
        Assert.Contains(Json.Objects(podSpec["tolerations"]), t => (string?)t["key"] == "nvidia.com/gpu");
        Assert.NotNull(podSpec["affinity"]!["podAntiAffinity"]);

        static void AssertGpus(JsonObject workload, int gpus)
        {
            var resources = WorkerContainer(workload)["resources"]!;
            Assert.Equal(gpus, (int)resources["limits"]!["nvidia.com/gpu"]!);
            Assert.Equal(gpus, (int)resources["requests"]!["nvidia.com/gpu"]!);
        }
    }

    [Fact]
    public void Template_GpuValues_RouterDiscoversEveryPoolThroughItsHeadlessService()
    {
        var rendered = chart.Render(ValuesFiles.Gpu);

        var router = Assert.Single(Json.Objects(rendered.Single("Deployment", "-router")["spec"]!["template"]!["spec"]!["containers"]));
        var workers = ArgAfter(router, "--workers")!.Split(',');
        var headless = rendered.OfKind("Service").Where(s => (string?)s["spec"]!["clusterIP"] == "None").ToArray();

        Assert.Equal(3, headless.Length);
        Assert.Equal(3, workers.Length);
        foreach (var service in headless)
        {
            var name = (string)service["metadata"]!["name"]!;
            // One DNS name per pool, re-resolved by the router to every pod of the headless Service.
            Assert.Contains($"dns:{name}.serving.svc.cluster.local:8001", workers);
            var statefulSet = rendered.Single("StatefulSet", name);
            Assert.Equal(name, (string?)statefulSet["spec"]!["serviceName"]);
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Template_ValuesFile_ProbesAreNativeGrpcOnTheGrpcPort(string valuesFile)
    {
        foreach (var (workload, podSpec) in chart.Render(valuesFile).PodSpecs())
        {
            foreach (var container in Json.Objects(podSpec["containers"]))
            {
                var grpcPort = (int)Assert.Single(Json.Objects(container["ports"]), p => (string?)p["name"] == "grpc")["containerPort"]!;
                foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                {
                    var spec = container[probe];
                    Assert.True(spec is not null, $"{workload["metadata"]!["name"]}: no {probe}");
                    Assert.Equal(grpcPort, (int)spec!["grpc"]!["port"]!);
                    Assert.Null(spec["httpGet"]);
                    Assert.Null(spec["exec"]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Template_ValuesFile_EveryContainerRunsNonRootReadOnlyWithoutCapabilities(string valuesFile)
    {
        foreach (var (workload, podSpec) in chart.Render(valuesFile).PodSpecs())
        {
            Assert.True((bool)podSpec["securityContext"]!["runAsNonRoot"]!);
            Assert.False((bool)podSpec["automountServiceAccountToken"]!);
            foreach (var container in Json.Objects(podSpec["containers"]).Concat(Json.Objects(podSpec["initContainers"])))
            {
                var name = $"{workload["metadata"]!["name"]}/{container["name"]}";
                var security = container["securityContext"];
                Assert.True(security is not null, $"{name}: no securityContext");
                Assert.True((bool)security!["runAsNonRoot"]!, name);
                Assert.True((bool)security["readOnlyRootFilesystem"]!, name);
                Assert.False((bool)security["allowPrivilegeEscalation"]!, name);
                Assert.Equal(["ALL"], Json.Strings(security["capabilities"]!["drop"]));
                Assert.NotNull(container["resources"]!["requests"]);
                Assert.NotNull(container["resources"]!["limits"]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Template_ValuesFile_TerminationGraceCoversPreStopAndDrain(string valuesFile)
    {
        foreach (var (workload, podSpec) in chart.Render(valuesFile).PodSpecs())
        {
            var container = Json.Objects(podSpec["containers"]).First();
            var preStop = Json.Strings(container["lifecycle"]!["preStop"]!["exec"]!["command"]).ToArray();
            Assert.Equal("/bin/sleep", preStop[0]);
            var drain = ArgAfter(container, "--grace-period") is { } g ? int.Parse(g) : 0;
            var grace = (int)podSpec["terminationGracePeriodSeconds"]!;

            Assert.True(grace > int.Parse(preStop[1]) + drain, $"{workload["metadata"]!["name"]}: {grace}s grace < preStop {preStop[1]}s + drain {drain}s");
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Template_ValuesFile_WorkerGrpcReachableOnlyFromRouters(string valuesFile)
    {
        var rendered = chart.Render(valuesFile);
        var policy = rendered.Single("NetworkPolicy", "-workers");
        var grpcRule = Assert.Single(Json.Objects(policy["spec"]!["ingress"]), r => Json.Objects(r["ports"]).Any(p => (int)p["port"]! == 8001));

        var from = Assert.Single(Json.Objects(grpcRule["from"]));
        Assert.Equal("router", (string?)from["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]);
        Assert.Null(from["namespaceSelector"]);
        Assert.Equal("worker", (string?)policy["spec"]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]);
    }

    [Fact]
    public void Template_OperatorValues_RendersServiceMonitorAndPrometheusRuleWithoutScrapeAnnotations()
    {
        var rendered = chart.Render(ValuesFiles.Operator);

        var monitor = Assert.Single(rendered.OfKind("ServiceMonitor"));
        Assert.Equal("kube-prometheus-stack", (string?)monitor["metadata"]!["labels"]!["release"]);
        Assert.Equal("metrics", (string?)Assert.Single(Json.Objects(monitor["spec"]!["endpoints"]))["port"]);
        var rules = rendered.OfKind("PrometheusRule").ToArray();
        Assert.Equal(2, rules.Length);
        var alerts = rules.Single(r => !((string)r["metadata"]!["name"]!).EndsWith("-recording", StringComparison.Ordinal));
        Assert.Equal(AlertNames(File.ReadAllText(Path.Combine(Tools.ChartDirectory, "files", "alerts.yaml"))), PrometheusRuleAlerts(alerts));
        var recording = rules.Single(r => ((string)r["metadata"]!["name"]!).EndsWith("-recording", StringComparison.Ordinal));
        Assert.Contains("task_slo:serving_slo_attainment:ratio_rate5m", Json.Objects(recording["spec"]!["groups"]).SelectMany(g => Json.Objects(g["rules"])).Select(r => (string?)r["record"]));
        Assert.DoesNotContain(rendered.OfKind("ConfigMap"), c => ((string)c["metadata"]!["name"]!).EndsWith("-alerts", StringComparison.Ordinal));
        Assert.All(rendered.PodSpecs(), w => Assert.Null(w.Workload["spec"]!["template"]!["metadata"]!["annotations"]!["prometheus.io/scrape"]));
    }

    [Fact]
    public void Template_DefaultValues_ScrapeAnnotationsAndPlainRuleFileInsteadOfOperatorObjects()
    {
        var rendered = chart.Render(ValuesFiles.Default);

        Assert.Empty(rendered.OfKind("ServiceMonitor"));
        Assert.Empty(rendered.OfKind("PrometheusRule"));
        Assert.All(rendered.PodSpecs(), w =>
        {
            var annotations = w.Workload["spec"]!["template"]!["metadata"]!["annotations"]!;
            Assert.Equal("true", (string?)annotations["prometheus.io/scrape"]);
            Assert.Equal("8002", (string?)annotations["prometheus.io/port"]);
        });
        var ruleFile = rendered.Single("ConfigMap", "-alerts");
        var text = (string)ruleFile["data"]!["serving-alerts.yaml"]!;
        Assert.Equal(
            ["ServingNoWorkersReady", "ServingQueueSaturation", "ServingRequestsRejected", "ServingSLOBurnRateFast", "ServingSLOBurnRateSlow", "ServingWorkerBreakerOpen", "ServingWorkerDown"],
            AlertNames(text));
    }

    [Theory]
    [InlineData(ValuesFiles.Default)]
    [InlineData(ValuesFiles.Gpu)]
    [InlineData(ValuesFiles.Operator)]
    public void Template_ValuesFile_WorkerHpaScalesOnTheAdapterRulesMetric(string valuesFile)
    {
        var rendered = chart.Render(valuesFile);
        var adapter = (string)rendered.Single("ConfigMap", "-adapter-rule")["data"]!["config.yaml"]!;

        var workerHpas = rendered.OfKind("HorizontalPodAutoscaler").Where(h => (string?)h["spec"]!["scaleTargetRef"]!["kind"] == "StatefulSet").ToArray();
        Assert.NotEmpty(workerHpas);
        foreach (var hpa in workerHpas)
        {
            var metric = Assert.Single(Json.Objects(hpa["spec"]!["metrics"]));
            Assert.Equal("Pods", (string?)metric["type"]);
            var name = (string)metric["pods"]!["metric"]!["name"]!;
            Assert.Contains($"as: \"{name}\"", adapter);
            // The StatefulSet leaves replicas to the HPA.
            var target = rendered.Single("StatefulSet", (string)hpa["spec"]!["scaleTargetRef"]!["name"]!);
            Assert.Null(target["spec"]!["replicas"]);
        }

        var routerHpa = rendered.Single("HorizontalPodAutoscaler", "-router");
        Assert.Equal("cpu", (string?)Assert.Single(Json.Objects(routerHpa["spec"]!["metrics"]))["resource"]!["name"]);
    }

    [Fact]
    public void Template_CpuOnlyValues_NoGpuFixedReplicasAndInitContainerFetchesModels()
    {
        var rendered = chart.Render(ValuesFiles.CpuOnly);

        Assert.DoesNotContain("nvidia.com/gpu", rendered.Template.StandardOutput);
        Assert.Empty(rendered.OfKind("HorizontalPodAutoscaler"));
        Assert.Empty(rendered.OfKind("PersistentVolumeClaim"));
        var worker = rendered.Single("StatefulSet", "-worker-cpu");
        Assert.Equal(3, (int)worker["spec"]!["replicas"]!);
        var init = Assert.Single(Json.Objects(worker["spec"]!["template"]!["spec"]!["initContainers"]));
        Assert.Equal("registry.example.com/serving-models-fetch:2026.11", (string?)init["image"]);
        Assert.Contains(Json.Objects(init["env"]), e => (string?)e["name"] == "SERVING_MODELS" && (string?)e["value"] == "fr_feature fr_detect fr_landmark selfie");
        Assert.Equal("LoadBalancer", (string?)rendered.Single("Service", "-router")["spec"]!["type"]);
    }

    [Fact]
    public void Template_GpuValues_ApiKeysSecretMountedIntoRouter()
    {
        var rendered = chart.Render(ValuesFiles.Gpu);

        var secret = rendered.Single("Secret", "-api-keys");
        var keys = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["api-keys"]!));
        Assert.Equal(["k-0123456789abcdef", "k-fedcba9876543210"], keys.Split('\n'));
        var podSpec = rendered.Single("Deployment", "-router")["spec"]!["template"]!["spec"]!;
        Assert.Contains(Json.Objects(podSpec["volumes"]), v => (string?)v["secret"]?["secretName"] == (string?)secret["metadata"]!["name"]);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles.All), MemberType = typeof(ValuesFiles))]
    public void Template_ValuesFile_PdbsCoverRoutersAndEveryWorkerPool(string valuesFile)
    {
        var rendered = chart.Render(valuesFile);
        var pdbs = rendered.OfKind("PodDisruptionBudget").ToArray();

        foreach (var statefulSet in rendered.OfKind("StatefulSet"))
        {
            var selector = statefulSet["spec"]!["selector"]!["matchLabels"]!.ToJsonString();
            Assert.Contains(pdbs, p => p["spec"]!["selector"]!["matchLabels"]!.ToJsonString() == selector);
        }
    }

    [Theory]
    [InlineData(ValuesFiles.Default)]
    [InlineData(ValuesFiles.Operator)]
    public void Template_ValuesFile_DashboardsCarryTheSidecarLabel(string valuesFile)
    {
        var dashboards = chart.Render(valuesFile).OfKind("ConfigMap")
            .Where(c => (string?)c["metadata"]!["labels"]!["grafana_dashboard"] == "1")
            .SelectMany(c => c["data"]!.AsObject().Select(kv => kv.Key))
            .Order()
            .ToArray();

        Assert.Equal(["cluster-overview.json", "load-test.json", "worker.json"], dashboards);
    }

    public static TheoryData<string, string, string> InvalidValues => new()
    {
        { "replicas as a word", "workerPools:\n  - {name: cpu, replicas: two, device: cpu, models: [a], resources: {}, autoscaling: {enabled: false, minReplicas: 1, maxReplicas: 1}}\n", "replicas" },
        { "unknown device", "workerPools:\n  - {name: cpu, replicas: 1, device: tpu, models: [a], resources: {}, autoscaling: {enabled: false, minReplicas: 1, maxReplicas: 1}}\n", "device" },
        { "GPU pool without GPUs", "workerPools:\n  - {name: g, replicas: 1, device: gpu, models: [a], resources: {}, autoscaling: {enabled: false, minReplicas: 1, maxReplicas: 1}}\n", "gpus" },
        { "misspelt key", "router:\n  replica: 3\n", "replica" },
        { "root containers", "containerSecurityContext:\n  runAsNonRoot: false\n  allowPrivilegeEscalation: false\n", "runAsNonRoot" },
        { "pool with no models", "workerPools:\n  - {name: cpu, replicas: 1, device: cpu, models: [], resources: {}, autoscaling: {enabled: false, minReplicas: 1, maxReplicas: 1}}\n", "models" },
        { "init source without image", "models:\n  source: init\n", "image" },
        { "port out of range", "router:\n  ports: {grpc: 70000, metrics: 8002}\n", "grpc" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void Template_InvalidValues_FailsOnTheSchema(string what, string values, string field)
    {
        var file = Path.Combine(Path.GetTempPath(), $"serving-invalid-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, values);
        try
        {
            var template = ChartFixture.Template(file);

            Assert.True(template.ExitCode != 0, $"{what}: helm template accepted it");
            Assert.Contains("values don't meet the specifications of the schema", template.Output);
            Assert.Contains(field, template.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static JsonObject WorkerContainer(JsonObject workload) =>
        Assert.Single(Json.Objects(workload["spec"]!["template"]!["spec"]!["containers"]), c => (string?)c["name"] == "worker");

    private static string? ArgAfter(JsonObject container, string flag)
    {
        var args = Json.Strings(container["args"]).ToList();
        var i = args.IndexOf(flag);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }

    private static string[] PrometheusRuleAlerts(JsonObject rule) =>
        Json.Objects(rule["spec"]!["groups"])
            .SelectMany(g => Json.Objects(g["rules"]))
            .Select(r => (string)r["alert"]!)
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string[] AlertNames(string ruleFile) =>
        System.Text.RegularExpressions.Regex.Matches(ruleFile, @"-\s+alert:\s+(\S+)")
            .Select(m => m.Groups[1].Value)
            .Order(StringComparer.Ordinal)
            .ToArray();
}
