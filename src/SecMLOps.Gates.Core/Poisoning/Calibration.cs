namespace SecMLOps.Gates.Poisoning;

/// <summary>Logits to calibrated probabilities: a softmax at the temperature that fits the golden set's labels best.</summary>
internal static class Calibration
{
    /// <summary>Temperatures tried: 60 steps, evenly spaced in log, from 0.3 to 5.</summary>
    private static readonly double[] Temperatures = Enumerable.Range(0, 60).Select(i => Math.Exp(Math.Log(0.3) + i * (Math.Log(5) - Math.Log(0.3)) / 59)).ToArray();

    /// <summary>The temperature that minimises the negative log-likelihood of the (out-of-sample) golden logits.</summary>
    public static double FitTemperature(float[] logits, int[] labels, int classes) =>
        Temperatures.MinBy(t => NegativeLogLikelihood(logits, labels, classes, t));

    public static double[] Softmax(float[] logits, int classes, double temperature)
    {
        var probabilities = new double[logits.Length];
        for (var row = 0; row < logits.Length / classes; row++)
        {
            var offset = row * classes;
            var max = double.NegativeInfinity;
            for (var c = 0; c < classes; c++) max = Math.Max(max, logits[offset + c] / temperature);
            double sum = 0;
            for (var c = 0; c < classes; c++) sum += probabilities[offset + c] = Math.Exp(logits[offset + c] / temperature - max);
            for (var c = 0; c < classes; c++) probabilities[offset + c] /= sum;
        }
        return probabilities;
    }

    private static double NegativeLogLikelihood(float[] logits, int[] labels, int classes, double temperature)
    {
        var probabilities = Softmax(logits, classes, temperature);
        return -labels.Select((label, row) => Math.Log(Math.Max(probabilities[row * classes + label], 1e-300))).Average();
    }
}
