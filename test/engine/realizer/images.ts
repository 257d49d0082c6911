// docker:index/remoteImage:RemoteImage -> an image that must already be present locally, as
// terraform-provider-docker v4.5.0 (internal/provider/resource_docker_image_funcs.go) treats a
// local image: Create looks locally first and would pull only a missing one; Read inspects it
// by name (gone: dropped from state) and writes `image_id` (the local sha256 ID) and
// `repo_digest` ("" for a built or imported image). No registry is reachable where this double
// runs, so a missing image is an error that says how to build it. With `keepLocally: true`
// the provider never removes the image (`removeImage` returns first); this double never does.
import { inspectUnlessGone, keep, Provider } from "./provider";
import { Schema } from "./schema";

const SCHEMA: Schema = {
    name: { forceNew: true },
    keepLocally: { stateOnly: true },
    forceRemove: { stateOnly: true },
    platform: { forceNew: true },
};

function inspect(docker: Parameters<Provider["read"]>[0]["docker"], name: string) {
    return inspectUnlessGone(() => docker.getImage(name).inspect());
}

export const remoteImageProvider: Provider = {
    schema: SCHEMA,
    computed: ["imageId", "repoDigest"],
    async create({ docker }, i) {
        const info = await inspect(docker, i.name);
        if (!info)
            throw new Error(
                `image ${i.name} is not present on the Docker Engine and the engine double does not pull (no registry); build it with \`npm run images:test\``,
            );
        // The provider's ID is the image ID followed by the name it was asked for.
        return { id: `${info.Id}${i.name}` };
    },
    async read({ docker }, _id, prior) {
        const info = await inspect(docker, prior.name);
        if (!info) return undefined;
        return {
            ...keep(prior, ["keepLocally", "forceRemove", "platform"]),
            name: prior.name,
            imageId: info.Id,
            repoDigest: info.RepoDigests?.[0] ?? "",
        };
    },
    // `resourceDockerImageUpdate`: find the image again, then Read.
    async update(ctx, id, prior, news) {
        return { ...(await this.read(ctx, id, { ...prior, ...news })), ...news };
    },
    async delete(ctx, _id, i) {
        if (i.keepLocally !== true) ctx.log(`image ${i.name} kept: the engine double never removes images`);
    },
};
