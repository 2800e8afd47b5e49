import DroverLoading
import DroverModel
import Testing

@Suite struct LoadErrorTests {
    @Test func reportsEveryErrorInAFileAtOnceInFileOrder() throws {
        let expected = try Fixtures.text("errors.expected").split(separator: "\n").map(String.init)
        #expect(loadErrors(try Fixtures.text("errors.ini"), path: "errors.ini") == expected)
    }

    @Test(arguments: [
        (
            "[web]\nweb1\nweb2\nweb3\nweb4\nweb5\nweb6   ansible_port\n",
            "inventory.ini:7:8: expected key=value after the host name, found 'ansible_port'"
        ),
        ("[web]\napp[05:01]\n", "inventory.ini:2:4: invalid host range '[05:01]': the start is after the end"),
        ("h k='open\n", "inventory.ini:1:5: unterminated quote: this ' is never closed"),
        (
            "[web:foo]\n",
            "inventory.ini:1:5: unknown section type ':foo' in '[web:foo]': expected ':vars' or ':children'"
        ),
        (
            "[web server]\n",
            "inventory.ini:1:1: invalid section header '[web server]': a group name cannot contain whitespace, "
                + "':' or ']'"
        ),
        ("[a:children]\nb\n", "inventory.ini:2:1: [a:children] names group 'b', which is never defined"),
        (
            "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n",
            "inventory.ini:6:1: groups form a cycle through children: a -> b -> c -> a"
        ),
        ("[a:children]\na\n", "inventory.ini:2:1: groups form a cycle through children: a -> a"),
        ("[a:children]\nall\n", "inventory.ini:2:1: 'all' holds every group, so it cannot be a child of 'a'"),
        ("[a:children]\nb c\n", "inventory.ini:2:1: expected a group name in [a:children], found 'b c'"),
        ("[a:vars]\njust_a_word\n[a]\n", "inventory.ini:2:1: expected key=value in [a:vars], found 'just_a_word'"),
        (
            "[a:vars]\nbad-name=1\n[a]\n",
            "inventory.ini:2:1: invalid variable name 'bad-name': use letters, digits and '_', "
                + "not starting with a digit"
        ),
        ("h =1\n", "inventory.ini:1:3: expected a variable name before '='"),
        (
            "ansible_port=22\n",
            "inventory.ini:1:1: expected a host name, found 'ansible_port=22' (variables go after a host name, "
                + "or in a [group:vars] section)"
        ),
        ("[g]\nweb1:\n", "inventory.ini:2:5: 'web1:' ends in ':' with no port after it"),
        ("web1:http\n", "inventory.ini:1:6: invalid port 'http' in 'web1:http': expected a number from 1 to 65535"),
        ("h\\\n", "inventory.ini:1:2: a backslash ends the line with nothing to escape"),
        (
            "h \u{1}x=1\n",
            "inventory.ini:1:3: invalid variable name '\\u{1}x': use letters, digits and '_', not starting with a digit"
        ),
        (
            "---\nall:\n  hosts:\n",
            "inventory.ini:1:1: this looks like a YAML inventory, but only files named .yml, .yaml, .json or with "
                + "no extension are read as YAML (as in Ansible); rename the file"
        ),
        (
            "[all:vars]\ndrover_environment=\n",
            "inventory.ini:2:20: drover_environment must name an environment such as production"
        ),
        (
            "[g:vars]\nansible_group_priority=high\n[g]\nh\n",
            "inventory.ini:2:24: ansible_group_priority must be a whole number"
        ),
    ])
    func printsFileLineColumnAndOneSentence(text: String, expected: String) {
        #expect(loadErrors(text) == [expected])
    }

    @Test func reportsInvalidUTF8AtTheBadByteButIgnoresItInComments() {
        let bytes: [UInt8] =
            Array("# caf\u{E9} ok\n# \u{FF}\n".utf8) + [0x23, 0xFF, 0x0A] + Array("web1 x=".utf8) + [0xC3, 0x28]
        do {
            _ = try InventoryLoader(homeDirectory: nil).load(contents: bytes, path: "i.ini", defaultUser: "u")
            Issue.record("expected an error")
        } catch let errors as LoadErrors {
            #expect(errors.description == "i.ini:4:8: invalid UTF-8 (byte 0xC3)")
            #expect(errors.errors.first?.code == .encoding)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func listsAtMostTheLimitAndCountsTheRest() {
        let text = String(repeating: "h x\n", count: LoadErrors.limit + 25)
        let errors = loadErrors(text)
        #expect(errors.count == LoadErrors.limit + 1)
        #expect(errors.last == "inventory.ini: 25 more errors not shown")
    }

    @Test func keepsACodeScriptsCanKeyOn() {
        do {
            _ = try loadInventory("[a:children]\nb\n[b:children]\na\n")
            Issue.record("expected an error")
        } catch let errors as LoadErrors {
            #expect(errors.errors.map(\.code) == [.groupCycle])
            #expect(errors.errors.first?.location == SourceLocation(file: "inventory.ini", line: 4, column: 1))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
