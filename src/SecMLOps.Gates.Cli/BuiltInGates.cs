using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Provenance;
using SecMLOps.Gates.Robustness;
using SecMLOps.Gates.Robustness.Detection;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.Robustness.Learning;
using SecMLOps.Gates.StrideCoverage;

namespace SecMLOps.Gates.Cli;

/// <summary>
/// Every gate this version ships, in one explicit list (no discovery by reflection): the engine, the
/// policy schema's rule kinds and settings, validate and the docs all come from it.
/// </summary>
public static class BuiltInGates
{
    public static GateRegistry Registry { get; } = new([
        new RobustnessGate(),
        new DetectionRobustnessGate(),
        new AnnotationPoisoningGate(),
        new PoisoningGate(new ModelScorer(), [new TorchLabelModelTrainer(), new BoostedTreesLabelModelTrainer()]),
        new ProvenanceGate(),
        new StrideCoverageGate(),
    ]);
}
