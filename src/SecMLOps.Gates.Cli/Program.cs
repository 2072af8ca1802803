using SecMLOps.Gates.Cli;

// Run as the real program, model-running rules get a process of their own.
return GateCommandLine.Run(args, Console.Out, Console.Error, SecMLOps.Gates.Cli.Worker.ConfinedRuleWorker.ForThisProcess());
