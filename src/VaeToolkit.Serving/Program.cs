using VaeToolkit.Serving.Hosting;

// vaetoolkit-serve: the recommendation service on its own, without the training stack (see `vaetoolkit serve`).
return await ServerCommand.RunAsync(args, Console.Out, Console.Error);
