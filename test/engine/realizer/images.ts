// docker:index/remoteImage:RemoteImage -> an image that must already be present locally.
// The real provider would pull a missing image; no registry is reachable where this double
// runs, so a missing image is an error that says how to build the stand-ins. Images are never
// removed, whatever `keepLocally` says: other tenants and other tests share them.
import { isNotFound, Provider, stillThere } from "./provider";

export const remoteImageProvider: Provider = {
    inputs: ["name", "keepLocally", "forceRemove", "platform"],
    computed: ["imageId", "repoDigest"],
    updatable: ["keepLocally", "forceRemove"],
    async create({ docker }, i) {
        try {
            const info = await docker.getImage(i.name).inspect();
            // The provider's ID is the image ID followed by the name it was asked for.
            return { id: `${info.Id}${i.name}`, outputs: { imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" } };
        } catch (e) {
            if (!isNotFound(e)) throw e;
            throw new Error(`image ${i.name} is not present on the Docker Engine and the engine double does not pull (no registry); build the stand-ins with \`npm run images:test\``);
        }
    },
    async update(ctx, _id, _olds, news) {
        return this.create(ctx, news);
    },
    async delete(ctx, _id, i) {
        if (i.keepLocally !== true) ctx.log(`image ${i.name} kept: the engine double never removes images`);
    },
    async exists({ docker }, id) {
        return stillThere(() => docker.getImage(id.slice(0, id.indexOf(":") + 65)).inspect());
    },
};
