using SecMLOps.Gates.Bench;

return args is ["poisoning", ..] ? PoisoningBench.Run(args[1..]) : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: SecMLOps.Gates.Bench poisoning [--runs N] [--data DIR]");
    return 2;
}
