// Pure pieces KubeSim's fidelity rests on: selector parsing and the fieldsV1 encoding.

import HawserProtocol
import Testing

@testable import KubeSim

@Suite("Selectors and field sets")
struct SelectorAndFieldSetTests {
    @Test(arguments: [
        ("app=web", true), ("app==web", true), ("app!=web", false), ("app in (web, db)", true),
        ("app notin (web)", false), ("app", true), ("!app", false), ("!missing", true), ("app=web,tier=front", true),
        ("app=web,tier=back", false),
    ])
    func labelSelectorMatches(selector: String, expected: Bool) throws {
        let s = try LabelSelector.parse(selector)
        #expect(s.matches(["app": "web", "tier": "front"]) == expected)
    }

    @Test func malformedSelectorIsABadRequest() {
        #expect(throws: LabelSelectorError.self) { try LabelSelector.parse("app in web") }
        #expect(throws: APIError.self) { try LabelSelector.parseQuery("app in web") }
    }

    @Test func fieldsV1RoundTripsWithKeyedLists() {
        let obj: JSONValue = [
            "metadata": ["labels": ["app": "x"]],
            "spec": ["containers": [["name": "app", "image": "nginx", "ports": [["containerPort": 80]]]], "args": ["a", "b"]],
        ]
        let set = FieldSet.of(obj)
        let encoded = set.fieldsV1
        #expect(encoded[path: ["f:spec", "f:containers", #"k:{"name":"app"}"#, "."]] == [:])
        #expect(encoded[path: ["f:spec", "f:containers", #"k:{"name":"app"}"#, "f:ports", #"k:{"containerPort":80,"protocol":"TCP"}"#, "f:containerPort"]] == [:])
        #expect(encoded[path: ["f:spec", "f:args"]] == [:], "lists without keys are atomic")
        #expect(FieldSet(fieldsV1: encoded) == set)
    }
}
