using SecMLOps.Gates.Bench;

return args switch
{
    ["poisoning", ..] => PoisoningBench.Run(args[1..]),
    ["poisoning-tables", ..] => TablePoisoningBench.Run(args[1..]),
    ["attacks", ..] => AttackBench.Run(args[1..]),
    ["default-policy", ..] => DefaultPolicyBench.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: SecMLOps.Gates.Bench poisoning [--runs N] [--data DIR] | poisoning-tables [--runs N] [--rows N] | attacks [--rounds N] | default-policy [--images N]");
    return 2;
}
