// Where the checkout is and which version of pa it holds, for code run from its sources (ts-node) or
// compiled into dist/: both sit below the folder with Pulumi.yaml.
import * as fs from "fs";
import * as path from "path";

/** The project's folder: the nearest one above `from` holding Pulumi.yaml. */
export function projectRoot(from: string = __dirname): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml in ${from} or above it: run pa from a checkout of the project`);
    }
}

/** package.json's version of the checkout. */
export function projectVersion(root: string = projectRoot()): string {
    return (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}
