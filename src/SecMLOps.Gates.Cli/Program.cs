using SecMLOps.Gates.Cli;

return GateCommandLine.Run(args, Console.Out, Console.Error);
