package io.streamcast.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** A Dockerfile read into instructions: comments dropped, continuation lines joined. */
record Dockerfile(List<Instruction> instructions) {
    static final Set<String> KNOWN = Set.of("FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
            "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");

    record Instruction(int line, String keyword, String args) {
        List<String> words() {
            return List.of(args.trim().split("\\s+"));
        }
    }

    static Dockerfile read(Path file) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder pending = null;
        int start = 0;
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank() || l.stripLeading().startsWith("#")) {
                continue;
            }
            if (pending == null) {
                pending = new StringBuilder();
                start = i + 1;
            }
            boolean more = l.endsWith("\\");
            pending.append(more ? l.substring(0, l.length() - 1) : l).append(' ');
            if (!more) {
                String text = pending.toString().trim();
                int sp = text.indexOf(' ');
                String keyword = sp < 0 ? text : text.substring(0, sp);
                if (!KNOWN.contains(keyword.toUpperCase(java.util.Locale.ROOT)) || !keyword.equals(keyword.toUpperCase())) {
                    throw new IllegalArgumentException(file + ":" + start + ": not a Dockerfile instruction: " + keyword);
                }
                out.add(new Instruction(start, keyword, sp < 0 ? "" : text.substring(sp + 1)));
                pending = null;
            }
        }
        if (pending != null) {
            throw new IllegalArgumentException(file + ": ends inside a continued line");
        }
        return new Dockerfile(out);
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The repository path a COPY put at the given image path, or null when no COPY did. */
    String sourceOf(String imagePath) {
        for (Instruction c : all("COPY")) {
            List<String> w = c.words();
            String src = w.get(0);
            String dest = w.get(w.size() - 1);
            if (imagePath.equals(dest)) {
                return src;
            }
            if (dest.endsWith("/") && imagePath.startsWith(dest)) {
                return src.endsWith("/") ? src + imagePath.substring(dest.length()) : null;
            }
        }
        return null;
    }
}
