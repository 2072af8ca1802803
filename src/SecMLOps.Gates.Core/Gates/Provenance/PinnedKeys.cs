using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.Provenance;

/// <summary>Loads a pinned PEM public key named by a setting; an unreadable key is an input error at the setting's line.</summary>
internal static class PinnedKeys
{
    public static ECDsa Load(GateContext context, JToken setting, string name)
    {
        var path = context.ResolveExistingFile((string)setting!, setting, name);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new GateInputException(EngineRules.InputMissing, $"{name} is not a readable PEM public key: {e.Message}", context.Policy.Document.LocationOf(setting));
        }
    }
}
