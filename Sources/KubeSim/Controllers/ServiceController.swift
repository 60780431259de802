// A cloud load-balancer controller: a Service of type LoadBalancer gets an external address in
// status.loadBalancer.ingress after the delay (until then `kubectl get svc` shows <pending> and
// health is Progressing); a Service that stops being a LoadBalancer loses it. Addresses come from
// 192.0.2.0/24, reserved for documentation, so nothing can ever be sent to them by mistake.

import HawserProtocol

extension SimulatedController {
    static let service = SimulatedController(
        resource: GroupResource(group: "", plural: "services"),
        needsRollout: { svc in
            let isLoadBalancer = svc[path: ["spec", "type"]] == "LoadBalancer"
            let hasIngress = !(svc[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).isEmpty
            return isLoadBalancer != hasIngress
        },
        progressing: nil,
        ready: { svc, ctx in
            var status = svc["status"] ?? [:]
            guard svc[path: ["spec", "type"]] == "LoadBalancer" else {
                status["loadBalancer"] = [:]
                return status
            }
            guard let ip = ctx.allocateLoadBalancerIP() else { return status }
            status["loadBalancer"] = ["ingress": [["ip": .string(ip), "ipMode": "VIP"]]]
            return status
        }
    )
}
