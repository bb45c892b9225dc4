// The locally built test images, one place for every suite and benchmark: each tag is read from
// images/<folder>/TAG, the file setup/images.sh tags the build with, so a version bump is one edit.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const IMAGES_DIR = path.resolve(__dirname, "../../images");

/** The folders of images/ that build a test image. */
export type TestImageFolder = "postgres-pgvector" | "neo4j" | "letta" | "open-webui" | "n8n" | "gateway" | "restic" | "node" | "docker-cli" | "rclone";

/** The stack's services (and the gateway) by the folder of their test image. */
const SERVICE_FOLDERS = { postgres: "postgres-pgvector", neo4j: "neo4j", letta: "letta", openWebui: "open-webui", n8n: "n8n", gateway: "gateway" } as const;
export type TestService = keyof typeof SERVICE_FOLDERS;

/** The tag of one test image, e.g. pa-test/neo4j:5.26.30. */
export function testImage(folder: TestImageFolder): string {
    return fs.readFileSync(path.join(IMAGES_DIR, folder, "TAG"), "utf8").trim();
}

/** The test image of a service or the gateway. */
export function serviceTestImage(service: TestService): string {
    return testImage(SERVICE_FOLDERS[service]);
}

/** The key of pa:images each non-service test image sits under. */
const TOOL_KEYS = { restic: "restic", node: "node", dockerCli: "docker-cli" } as const;

/**
 * Every pa:images key with its test image (the services, the gateway, and the backups' restic, node and
 * docker CLI, which would otherwise default to images this machine cannot pull); with `mustExist`, fails
 * naming one not built.
 */
export function testImages(options: { mustExist?: boolean } = {}): Record<TestService | keyof typeof TOOL_KEYS, string> {
    const images = {
        ...(Object.fromEntries(Object.keys(SERVICE_FOLDERS).map((service) => [service, serviceTestImage(service as TestService)])) as Record<TestService, string>),
        ...(Object.fromEntries(Object.entries(TOOL_KEYS).map(([key, folder]) => [key, testImage(folder)])) as Record<keyof typeof TOOL_KEYS, string>),
    };
    if (options.mustExist) {
        for (const tag of Object.values(images)) {
            try {
                execFileSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
            } catch {
                throw new Error(`test image ${tag} is not built (setup/images.sh)`);
            }
        }
    }
    return images;
}

/**
 * Limits under which the test images run well with a laptop profile (whose defaults give Letta only
 * 1 GiB): test:e2e deploys with them, and the two-host sandbox's staging does too.
 */
export const TEST_IMAGE_LIMITS = {
    postgres: { memoryMb: 768, cpus: 1 },
    neo4j: { memoryMb: 1536, cpus: 1 },
    letta: { memoryMb: 1536, cpus: 1 },
    openWebui: { memoryMb: 768, cpus: 1 },
    n8n: { memoryMb: 1536, cpus: 1 },
};
