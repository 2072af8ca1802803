using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>The official SARIF 2.1.0 schema from the shared fixtures, and the checks every written log must pass.</summary>
internal static class SarifSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromFileAsync(RepositoryLayout.Fixture("sarif", "sarif-schema-2.1.0.json")).GetAwaiter().GetResult());

    /// <summary>Zero schema errors, and every reported rule declared in tool.driver.rules (callers are fixture tests).</summary>
    public static void AssertValid(string sarifJson)
    {
        var log = JToken.Parse(sarifJson);
        var errors = Schema.Value.Validate(log);
        Assert.True(errors.Count == 0, "SARIF schema errors: " + string.Join("; ", errors.Select(e => e.ToString())));
        foreach (var run in log["runs"]!)
        {
            var declared = run["tool"]!["driver"]!["rules"]!.Select(r => (string)r["id"]!).ToList();
            foreach (var result in run["results"]!)
            {
                var ruleId = (string)result["ruleId"]!;
                Assert.Contains(ruleId, declared);
                Assert.Equal(ruleId, declared[(int)result["ruleIndex"]!]);
            }
        }
    }
}
