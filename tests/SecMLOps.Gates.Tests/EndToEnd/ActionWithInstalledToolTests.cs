using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// The action's three steps as a pull request runs them, with the tool installed from a feed (as
/// from nuget.org), in a user's repository whose global.json pins an SDK this machine does not
/// have: install, gate and diff must not depend on it. The pull-request comment goes through a
/// stand-in for the GitHub CLI that keeps the comments in a file.
/// </summary>
[Trait("Layer", "slow")]
[Collection(PackagedFeedCollection.Name)]
public sealed class ActionWithInstalledToolTests(PackagedFeed feed)
{
    private const string FakeGh = """
        #!/usr/bin/env bash
        # Stand-in for `gh api`: comments of one pull request kept in $GH_STATE (a JSON array).
        set -euo pipefail
        state=${GH_STATE:?}
        [ -f "$state" ] || echo '[]' >"$state"
        [ "$1" = api ] || exit 2
        shift
        method=GET body= jq_filter=
        while [ $# -gt 0 ]; do
          case "$1" in
            -X) method=$2; shift 2 ;;
            -f) body=${2#body=}; shift 2 ;;
            --jq) jq_filter=$2; shift 2 ;;
            --paginate) shift ;;
            *) path=$1; shift ;;
          esac
        done
        case "$method $path" in
          "GET repos/"*"/issues/"*"/comments") jq -r "$jq_filter" "$state" ;;
          "POST repos/"*"/issues/"*"/comments")
            jq --arg body "$body" '. + [{id: (length + 100), body: $body}]' "$state" >"$state.new" && mv "$state.new" "$state" ;;
          "PATCH repos/"*"/issues/comments/"*)
            id=${path##*/}
            jq --arg body "$body" --argjson id "$id" 'map(if .id == $id then .body = $body else . end)' "$state" >"$state.new" && mv "$state.new" "$state" ;;
          *) echo "unexpected: $method $path" >&2; exit 2 ;;
        esac
        """;

    private const string Policy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: service, version: VERSION, owners: [ml-team]}
        spec:
          rules:
            - id: STRIDE-1
              kind: stride-coverage
              enforcement: hard-mandatory
              severity: high
              settings: {threatModel: threat-model.yaml, maxAgeDays: AGE}
        """;

    [NodeToolsFact]
    public void Install_gate_and_diff_run_in_a_repository_that_pins_another_sdk_and_keep_one_comment()
    {
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        using var repo = new ScratchGitRepository();
        repo.Write("global.json", """{"sdk": {"version": "8.0.100", "rollForward": "disable"}}""");
        repo.Write("policies/threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        repo.Write("policies/service.yaml", Policy.Replace("VERSION", "1.0.0").Replace("AGE", "365"));
        repo.Commit("base");
        repo.Write("policies/service.yaml", Policy.Replace("VERSION", "1.0.0").Replace("AGE", "3650"));
        repo.Commit("accept older assessments");
        // The pin holds: an SDK command in the workspace fails.
        Assert.NotEqual(0, ProcessRunner.Run("dotnet", ["build", "--help"], repo.Path).ExitCode);

        using var action = new ActionScript();
        File.WriteAllText(Path.Combine(action.FakeBin, "gh"), FakeGh.Replace("\r", ""));
        Assert.Equal(0, ProcessRunner.Run("chmod", ["+x", Path.Combine(action.FakeBin, "gh")], action.FakeBin).ExitCode);
        var install = action.Install(repo.Path, feed.Version, feed.Feed);
        Assert.True(install.ExitCode == 0, install.All);
        action.Tool = action.Outputs()["cli"];
        Assert.True(File.Exists(action.Tool), action.Tool);

        var gate = action.Gate(repo.Path, "policies");
        Assert.True(gate.ExitCode == 0, gate.All);
        Assert.Equal("pass", action.Outputs()["result"]);
        SarifSchema.AssertValid(File.ReadAllText(action.Outputs()["sarif-file"]));

        var state = Path.Combine(action.RunnerTemp, "comments.json");
        action.Environment["GH_STATE"] = state;
        for (var push = 0; push < 2; push++)
        {
            var diff = action.Diff(repo.Path, "HEAD~1", comment: true);
            Assert.True(diff.ExitCode == 0, diff.All);
            Assert.Equal("1", action.Outputs()["weakenings"]);
            Assert.Equal("true", action.Outputs()["should-fail"]);
        }
        var comments = JArray.Parse(File.ReadAllText(state));
        Assert.Single(comments);
        Assert.StartsWith("<!-- secmlops-gate:policy-diff -->", (string)comments[0]!["body"]!);

        foreach (var report in new[] { "summary.json", "summary.md", "secmlops-gate.sarif", "policy-diff.md", "policy-diff.sarif", "policy-diff.json" })
            Assert.True(File.Exists(Path.Combine(action.ReportDir, report)), report);
        // The job summary holds the gate's report then the diff's: both headings render as headings.
        var html = NodeTools.RenderCommonMark(File.ReadAllText(action.SummaryFile));
        Assert.Contains("<h2>✅ SecMLOps gate: pass</h2>", html);
        Assert.Contains("<h2>⚠️ Policy changes:", html);
        Assert.DoesNotContain("## ", html);
    }
}
