// docker:index/volume:Volume -> a named Docker volume; its ID is its name, as in
// terraform-provider-docker v4.5.0 (internal/provider/resource_docker_volume.go): every
// attribute forces a new volume; Read writes name, labels, driver, driver_opts, mountpoint.
// Creating a volume whose name exists returns the existing one (Docker's own semantics), which
// is how a retained volume is picked up again after `destroy` and `up`.
import { inspectUnlessGone, labelMap, labelSet, Provider, removeUnlessGone } from "./provider";
import { Schema } from "./schema";

const SCHEMA: Schema = {
    name: { forceNew: true, computed: true },
    driver: { forceNew: true, computed: true },
    driverOpts: { forceNew: true },
    labels: { forceNew: true, set: true },
};

export const volumeProvider: Provider = {
    schema: SCHEMA,
    computed: ["mountpoint"],
    async create({ docker }, i) {
        await docker.createVolume({
            Name: i.name,
            Driver: i.driver ?? "local",
            DriverOpts: i.driverOpts ?? {},
            Labels: labelMap(i.labels),
        });
        return { id: i.name };
    },
    // `resourceDockerVolumeRead`.
    async read({ docker }, id) {
        const v = await inspectUnlessGone(() => docker.getVolume(id).inspect());
        return (
            v && {
                name: v.Name,
                labels: labelSet(v.Labels),
                driver: v.Driver,
                driverOpts: v.Options ?? undefined,
                mountpoint: v.Mountpoint,
            }
        );
    },
    async delete({ docker }, id) {
        await removeUnlessGone(() => docker.getVolume(id).remove());
    },
};
