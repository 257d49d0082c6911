// Labels as @pulumi/docker takes them: a list of {label, value}, sorted so the diff is stable.
export function labelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));
}
