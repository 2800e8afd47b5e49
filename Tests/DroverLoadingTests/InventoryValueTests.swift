import DroverModel
import Foundation
import Testing

@Suite struct InventoryValueTests {
    static let sample: InventoryValue = [
        "port": 22, "ratio": 0.5, "name": "web \"1\"", "on": true, "none": .null, "tags": ["a", 1],
        "nested": ["k": ["x"]],
    ]

    @Test func printsAsStableJSON() {
        #expect(
            Self.sample.description
                == #"{"name": "web \"1\"", "nested": {"k": ["x"]}, "none": null, "on": true, "port": 22, "#
                + #""ratio": 0.5, "tags": ["a", 1]}"#)
    }

    @Test func roundTripsThroughJSON() throws {
        let data = try JSONEncoder().encode(Self.sample)
        #expect(try JSONDecoder().decode(InventoryValue.self, from: data) == Self.sample)
    }

    @Test func offersTypedAccessors() {
        #expect(InventoryValue.int(22).intValue == 22)
        #expect(InventoryValue.int(22).doubleValue == 22)
        #expect(InventoryValue.string("x").stringValue == "x")
        #expect(InventoryValue.bool(true).scalarText == "true")
        #expect(InventoryValue.list([1]).scalarText == nil)
        #expect(InventoryValue.null.isNull)
    }
}
