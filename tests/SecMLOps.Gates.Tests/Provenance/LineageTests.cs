using System.Security.Cryptography;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Provenance;

/// <summary>Signed training lineage: attest, sign with a key, and the provenance rule's checks of it.</summary>
public sealed class LineageTests : IDisposable
{
    private readonly ScratchRepository _repo = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public LineageTests()
    {
        _repo.Write("model/classifier.onnx", "model weights v1");
        _repo.Write("data/train.csv", "1,2,0\n3,4,1\n");
        _repo.Write("keys/signer.pem", _key.ExportECPrivateKeyPem());
        _repo.Write("keys/signer.pub", _key.ExportSubjectPublicKeyInfoPem());
    }

    private int Cli(params string[] args)
    {
        var output = new StringWriter();
        return GateCommandLine.Run(args, output, output);
    }

    private void AttestAndSign(string key = "keys/signer.pem")
    {
        Assert.Equal(0, Cli("attest", "--model", _repo.Full("model/classifier.onnx"), "--dataset", $"training={_repo.Full("data/train.csv")}",
            "--hyperparameter", "epochs=3", "--code-revision", "abc123", "--environment", "python=3.11", "-o", _repo.Full("lineage/statement.json")));
        Assert.Equal(0, Cli("sign", _repo.Full("lineage/statement.json"), "--key", _repo.Full(key), "-o", _repo.Full("lineage/statement.dsse.json")));
    }

    private EvaluationReport Evaluate()
    {
        var policy = _repo.Write("policy.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: lineage, version: 1.0.0, owners: [ml-team]}
            spec:
              datasets:
                training: {path: data/train.csv, format: csv}
              rules:
                - id: PROV-LINEAGE
                  kind: provenance
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    artifacts:
                      - {path: model/classifier.onnx}
                    lineage: {statement: lineage/statement.dsse.json, publicKey: keys/signer.pub}
            """);
        return new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([policy], _repo.Root, Support.Policies.Today));
    }

    private static ReportedFinding Check(EvaluationReport report, string subject) => Assert.Single(report.Findings, f => f.Finding.Subject == subject);

    [Fact]
    public void A_signed_lineage_of_the_artifacts_and_datasets_passes()
    {
        AttestAndSign();
        var report = Evaluate();
        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Equal(4, report.Count(Outcome.Passed));
    }

    [Fact]
    public void A_changed_model_byte_fails_the_subject_check_with_both_digests()
    {
        AttestAndSign();
        _repo.Write("model/classifier.onnx", "model weights v2");
        var finding = Check(Evaluate(), "lineage/subjects");
        Assert.Equal(Outcome.Failed, finding.Outcome);
        Assert.Contains("the statement says sha256", finding.Finding.Message);
    }

    [Fact]
    public void Different_training_data_fails_the_dataset_check()
    {
        AttestAndSign();
        _repo.Write("data/train.csv", "1,2,1\n3,4,1\n");
        Assert.Equal(Outcome.Failed, Check(Evaluate(), "lineage/datasets").Outcome);
    }

    [Fact]
    public void A_signature_by_another_key_or_a_changed_envelope_fails_the_signature_step()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _repo.Write("keys/other.pem", other.ExportECPrivateKeyPem());
        AttestAndSign("keys/other.pem");
        Assert.Contains("step signature", Check(Evaluate(), "lineage/signature").Finding.Message);

        AttestAndSign();
        var envelope = File.ReadAllText(_repo.Full("lineage/statement.dsse.json"));
        _repo.Write("lineage/statement.dsse.json", envelope.Replace("\"payload\": \"ew", "\"payload\": \"ex"));
        Assert.Equal(Outcome.Failed, Check(Evaluate(), "lineage/signature").Outcome);
    }

    [Fact]
    public void Every_artifact_must_be_a_subject_not_one_of_many()
    {
        AttestAndSign();
        _repo.Write("model/extra.bin", "unsigned");
        Evaluate();
        var policy = File.ReadAllText(_repo.Full("policy.yaml"))
            .Replace("- {path: model/classifier.onnx}", "- {path: model/classifier.onnx}\n          - {path: model/extra.bin}");
        var path = _repo.Write("policy.yaml", policy);
        var report = new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([path], _repo.Root, Support.Policies.Today));
        Assert.Contains("extra.bin is not a subject", Check(report, "lineage/subjects").Finding.Message);
    }

    public void Dispose()
    {
        _key.Dispose();
        _repo.Dispose();
    }
}
