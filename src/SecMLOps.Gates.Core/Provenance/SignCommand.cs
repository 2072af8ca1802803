using System.CommandLine;
using System.Security.Cryptography;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Provenance.Lineage;

namespace SecMLOps.Gates.Provenance;

/// <summary>secmlops-gate sign: signs a statement into a DSSE envelope with an ECDSA P-256 private key (PEM).</summary>
internal static class SignCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var input = new Argument<string>("statement") { Description = "The in-toto statement to sign (secmlops-gate attest writes one)." };
        var key = new Option<string>("--key") { Description = "The ECDSA P-256 private key, PEM.", Required = true };
        var file = new Option<string>("--output", "-o") { Description = "Where to write the DSSE envelope.", Required = true };
        var command = new Command("sign", "Sign an in-toto statement into a DSSE envelope with a private key (for teams without Sigstore).")
        {
            input, key, file,
        };
        command.SetAction(parsed =>
        {
            using var signer = ECDsa.Create();
            try
            {
                signer.ImportFromPem(File.ReadAllText(parsed.GetValue(key)!));
                if (signer.KeySize != 256) throw new CryptographicException($"the key has {signer.KeySize} bits; P-256 is required");
            }
            catch (Exception e) when (e is IOException or ArgumentException or CryptographicException)
            {
                error.WriteLine($"secmlops-gate: the key cannot be used: {e.Message}");
                return ExitCodes.InputError;
            }
            if (!File.Exists(parsed.GetValue(input)))
            {
                error.WriteLine($"secmlops-gate: no such file: {parsed.GetValue(input)}");
                return ExitCodes.InputError;
            }
            if (Output.Refusal(parsed.GetValue(file)!, Output.ForCommittedFile(parsed.GetValue(file)!, [parsed.GetValue(input)!, parsed.GetValue(key)!])) is { } refusal)
            {
                error.WriteLine(refusal);
                return ExitCodes.InputError;
            }
            var envelope = DsseEnvelopes.Sign(File.ReadAllBytes(parsed.GetValue(input)!), DsseEnvelopes.InTotoPayloadType, signer);
            AtomicFile.WriteAllText(parsed.GetValue(file)!, envelope);
            output.WriteLine($"wrote {parsed.GetValue(file)} (key id {DsseEnvelopes.KeyId(signer)})");
            return ExitCodes.Passed;
        });
        return command;
    }
}
