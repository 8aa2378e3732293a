package io.streamcast.config;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" for names typed by hand: option keys ({@link Options}) and model-file fields. */
public final class Spelling {
    private Spelling() {
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character each count 1. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The known name that {@code name} is a near miss of, or null: the same name in another case
     * or with other separators (inputSize, Input-Size), or within edit distance 2 (1 for names of
     * up to 5 letters, where 2 edits reach too many unrelated words). An exact match is no miss.
     */
    public static String nearMiss(String name, Collection<String> known) {
        if (known.contains(name)) {
            return null;
        }
        String squashed = squash(name);
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (String k : known) {
            if (squash(k).equals(squashed)) {
                return k;
            }
            int d = distance(name.toLowerCase(Locale.ROOT), k);
            if (d <= (k.length() <= 5 ? 1 : 2) && d < bestDist) {
                best = k;
                bestDist = d;
            }
        }
        return best;
    }

    /** Lower case without separators: input_size, inputSize and Input-Size all squash to inputsize. */
    static String squash(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[_\\-. ]", "");
    }
}
