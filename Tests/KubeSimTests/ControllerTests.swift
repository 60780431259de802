// The simulated controllers: each kind's status progresses, becomes ready or fails the way the
// real controller's would, so health checks built on status mean something.

import Foundation
import HawserProtocol
import KubeSim
import Testing

/// Tests that look at the in-between state use a 1 s delay: kubectl itself can take longer than
/// 300 ms to return on a loaded 2-core machine, and the state would be gone before it is read.
@Suite("Simulated controllers")
struct ControllerTests {
    static func workload(_ kind: String, _ name: String, image: String = "nginx:1.27", extra: String = "") -> String {
        let apiVersion = kind == "Job" ? "batch/v1" : "apps/v1"
        let selector = kind == "Job" ? "" : "  selector: {matchLabels: {app: \(name)}}\n"
        let restart = kind == "Job" ? "      restartPolicy: Never\n" : ""
        return """
            apiVersion: \(apiVersion)
            kind: \(kind)
            metadata: {name: \(name)}
            spec:
            \(selector)\(extra)  template:
                metadata: {labels: {app: \(name)}}
                spec:
            \(restart)      containers:
                  - name: main
                    image: \(image)

            """
    }

    func object(_ c: TestCluster, _ apiVersion: String, _ kind: String, _ name: String) async -> JSONValue? {
        await c.sim.object(apiVersion: apiVersion, kind: kind, namespace: "default", name: name)
    }

    @Test func statefulSetCreatesPodZeroFirstThenBecomesReady() async throws {
        try await withCluster(readyDelay: .seconds(2)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: Self.workload("StatefulSet", "db", extra: "  replicas: 3\n  serviceName: db\n"))
            let early = try #require(await object(c, "apps/v1", "StatefulSet", "db"))
            #expect(early[path: ["status", "replicas"]] == 1, "OrderedReady starts with pod 0")
            #expect(early[path: ["status", "readyReplicas"]] == nil)
            #expect(early[path: ["status", "availableReplicas"]] == 0, "no omitempty on availableReplicas")
            let out = try await c.kubectlOK("rollout", "status", "statefulset/db", "--timeout=40s")
            #expect(out.contains("partitioned roll out complete") || out.contains("rolling update complete"), "\(out)")
            let ready = try #require(await object(c, "apps/v1", "StatefulSet", "db"))
            #expect(ready[path: ["status", "readyReplicas"]] == 3)
            #expect(ready[path: ["status", "currentRevision"]] == ready[path: ["status", "updateRevision"]])

            // An update keeps the old revision current until it is rolled out.
            try await c.kubectlOK("set", "image", "statefulset/db", "main=nginx:1.28")
            let updating = try #require(await object(c, "apps/v1", "StatefulSet", "db"))
            #expect(updating[path: ["status", "currentRevision"]] == ready[path: ["status", "currentRevision"]])
            #expect(updating[path: ["status", "updateRevision"]] != ready[path: ["status", "updateRevision"]])
            try await c.kubectlOK("rollout", "status", "statefulset/db", "--timeout=40s")
        }
    }

    @Test func failingStatefulSetAndDaemonSetNeverBecomeReady() async throws {
        try await withCluster(readyDelay: .milliseconds(100), failureDelay: .milliseconds(200)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", "-",
                                  stdin: Self.workload("StatefulSet", "db", image: "postgres:fail") + "---\n" + Self.workload("DaemonSet", "agent", image: "agent:fail"))
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: Self.workload("DaemonSet", "good"))
            #expect(try await eventually { await object(c, "apps/v1", "DaemonSet", "good")?[path: ["status", "numberReady"]] == 1 })
            try await Task.sleep(for: .milliseconds(500))   // well past both delays: nothing may change
            let sts = try #require(await object(c, "apps/v1", "StatefulSet", "db"))
            #expect(sts[path: ["status", "readyReplicas"]] == nil)
            #expect(sts[path: ["status", "observedGeneration"]] == 1)
            let ds = try #require(await object(c, "apps/v1", "DaemonSet", "agent"))
            #expect(ds[path: ["status", "desiredNumberScheduled"]] == 1)
            #expect(ds[path: ["status", "numberReady"]] == 0)
            #expect(ds[path: ["status", "numberUnavailable"]] == 1)
            let status = try await c.kubectl("rollout", "status", "daemonset/agent", "--timeout=1s")
            #expect(!status.succeeded)
        }
    }

    @Test func jobsCompleteOrFailWithBackoffLimitExceeded() async throws {
        try await withCluster(readyDelay: .seconds(3), failureDelay: .seconds(3)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", "-",
                                  stdin: Self.workload("Job", "ok") + "---\n" + Self.workload("Job", "bad", image: "busybox:fail", extra: "  backoffLimit: 2\n"))
            let started = try #require(await object(c, "batch/v1", "Job", "ok"))
            #expect(started[path: ["status", "active"]] == 1)
            #expect(started[path: ["status", "startTime"]] != nil)
            try await c.kubectlOK("wait", "--for=condition=complete", "job/ok", "--timeout=40s")
            let done = try #require(await object(c, "batch/v1", "Job", "ok"))
            #expect(done[path: ["status", "succeeded"]] == 1)
            #expect(done[path: ["status", "active"]] == nil)

            try await c.kubectlOK("wait", "--for=condition=failed", "job/bad", "--timeout=40s")
            let failed = try #require(await object(c, "batch/v1", "Job", "bad"))
            #expect(condition(failed, "Failed")?["reason"] == "BackoffLimitExceeded")
            #expect(failed[path: ["status", "failed"]] == 3)
            #expect(failed[path: ["status", "completionTime"]] == nil)
            #expect(condition(failed, "Complete") == nil)
        }
    }

    @Test func failingDeploymentExceedsItsProgressDeadline() async throws {
        // The deadline leaves the first read (kubectl apply, then get) time on a loaded machine.
        try await withCluster(readyDelay: .milliseconds(300), failureDelay: .seconds(4)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: Self.workload("Deployment", "web", image: "nginx:fail"))
            let early = try #require(await object(c, "apps/v1", "Deployment", "web"))
            #expect(condition(early, "Progressing")?["reason"] == "ReplicaSetUpdated")
            #expect(try await eventually {
                await condition(object(c, "apps/v1", "Deployment", "web") ?? [:], "Progressing")?["reason"] == "ProgressDeadlineExceeded"
            })
            let failed = try #require(await object(c, "apps/v1", "Deployment", "web"))
            #expect(condition(failed, "Progressing")?["status"] == "False")
            #expect(condition(failed, "Available")?["status"] == "False")
            #expect(failed[path: ["status", "unavailableReplicas"]] == 1)
            #expect(condition(failed, "Available")?["lastTransitionTime"] == condition(early, "Available")?["lastTransitionTime"],
                    "an unchanged condition keeps its transition time")
            #expect(condition(failed, "Progressing")?["lastTransitionTime"] != nil)

            // Fixing the image rolls out normally.
            try await c.kubectlOK("set", "image", "deployment/web", "main=nginx:1.27")
            try await c.kubectlOK("rollout", "status", "deployment/web", "--timeout=40s")
        }
    }

    @Test func updateOfAnAvailableDeploymentKeepsOldPodsAvailable() async throws {
        // The deadline leaves the first read (kubectl apply, then get) time on a loaded machine.
        try await withCluster(readyDelay: .milliseconds(300), failureDelay: .seconds(4)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: Self.workload("Deployment", "web", extra: "  replicas: 4\n"))
            try await c.kubectlOK("rollout", "status", "deployment/web", "--timeout=40s")
            try await c.kubectlOK("set", "image", "deployment/web", "main=nginx:fail")
            let updating = try #require(await object(c, "apps/v1", "Deployment", "web"))
            // maxSurge 25% of 4 = 1, maxUnavailable 1: 3 old pods stay, 2 new ones are created.
            #expect(updating[path: ["status", "availableReplicas"]] == 3)
            #expect(updating[path: ["status", "updatedReplicas"]] == 2)
            #expect(updating[path: ["status", "replicas"]] == 5)
            #expect(condition(updating, "Available")?["status"] == "True")
            #expect(try await eventually {
                await condition(object(c, "apps/v1", "Deployment", "web") ?? [:], "Progressing")?["reason"] == "ProgressDeadlineExceeded"
            })
            #expect(await condition(object(c, "apps/v1", "Deployment", "web") ?? [:], "Available")?["status"] == "True")
        }
    }

    @Test func pvcsBindAndLoadBalancersGetAnAddress() async throws {
        try await withCluster(readyDelay: .seconds(4)) { c in
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 5Gi}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: front}
                spec:
                  type: LoadBalancer
                  selector: {app: front}
                  ports: [{port: 80}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: second}
                spec:
                  type: LoadBalancer
                  ports: [{port: 443}]
                """)
            #expect(await object(c, "v1", "PersistentVolumeClaim", "data")?[path: ["status", "phase"]] == "Pending")
            #expect(await object(c, "v1", "Service", "front")?[path: ["status", "loadBalancer"]] == [:])
            // (the pending state is checked on the object above: a second kubectl call here would race the 2 s delay on a busy machine)
            try await c.kubectlOK("wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=40s")
            #expect(await object(c, "v1", "PersistentVolumeClaim", "data")?[path: ["status", "capacity", "storage"]] == "5Gi")
            #expect(try await eventually {
                await object(c, "v1", "Service", "second")?[path: ["status", "loadBalancer", "ingress"]] != nil
            })
            let front = try #require(await object(c, "v1", "Service", "front"))
            let ip = try #require(front[path: ["status", "loadBalancer", "ingress"]]?.arrayValue?.first?["ip"]?.stringValue)
            #expect(ip.hasPrefix("192.0.2."))
            let second = await object(c, "v1", "Service", "second")?[path: ["status", "loadBalancer", "ingress"]]?.arrayValue?.first?["ip"]
            #expect(second != .string(ip), "each load balancer gets its own address")
            #expect(try await c.kubectlOK("get", "svc", "front").contains(ip))

            // No longer a LoadBalancer: the address goes.
            try await c.kubectlOK("patch", "svc", "front", "-p", #"{"spec":{"type":"ClusterIP"}}"#)
            #expect(try await eventually {
                await object(c, "v1", "Service", "front")?[path: ["status", "loadBalancer", "ingress"]] == nil
            })
        }
    }

    @Test func podsRunOrCrashLoop() async throws {
        try await withCluster(readyDelay: .milliseconds(100), failureDelay: .milliseconds(200)) { c in
            try await c.kubectlOK("run", "good", "--image=nginx:1.27")
            try await c.kubectlOK("run", "crashy", "--image=app:fail")
            try await c.kubectlOK("run", "once", "--image=app:fail", "--restart=Never")
            try await c.kubectlOK("wait", "--for=condition=Ready", "pod/good", "--timeout=40s")
            #expect(try await eventually { await object(c, "v1", "Pod", "once")?[path: ["status", "phase"]] == "Failed" })
            #expect(try await eventually { try await c.kubectlOK("get", "pod", "crashy").contains("CrashLoopBackOff") })
            let crashy = try #require(await object(c, "v1", "Pod", "crashy"))
            #expect(crashy[path: ["status", "phase"]] == "Running")
            #expect(condition(crashy, "Ready")?["status"] == "False")
        }
    }

    @Test func configMapsAndServicesHaveNoGeneration() async throws {
        try await withCluster { c in
            try await c.kubectlOK("create", "configmap", "plain", "--from-literal=a=1")
            try await c.kubectlOK("patch", "configmap", "plain", "-p", #"{"data":{"a":"2"}}"#)
            #expect(await object(c, "v1", "ConfigMap", "plain")?[path: ["metadata", "generation"]] == nil)
            try await c.kubectlOK("apply", "--server-side", "-f", "-", stdin: Self.workload("Deployment", "web"))
            #expect(await object(c, "apps/v1", "Deployment", "web")?[path: ["metadata", "generation"]] == 1)
        }
    }
}
