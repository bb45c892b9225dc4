// The stand-in command plugin's entry point: serves provider.ts to the engine over gRPC.
import * as provider from "@pulumi/pulumi/provider";
import { commandProvider } from "./provider";

provider.main(commandProvider, process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
});
