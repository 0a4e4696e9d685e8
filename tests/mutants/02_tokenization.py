"""Notebook 02's mutants (wrong answers students write) and alternatives (right answers they write).

Graded through the real grader by tests/test_mutants.py: every mutant must lose points on its
exercise, every alternative must keep full marks (autograder/mutation.py explains the format).
A mutant of a Porter helper also costs the later Porter checks that call it; it is judged on the
check of its own exercise. Each variant stands on its own in the notebook's kernel (`re`, `np`,
`Counter`, the Porter helpers and the step tables come from the notebook).
"""

from __future__ import annotations

import re
from collections import Counter

from autograder.mutation import alternative, mutant

# Stand-ins for the notebook's own names that the variants use (only their source is graded).
STEP2_RULES = STEP3_RULES = STEP4_SUFFIXES = ()
is_consonant = measure = contains_vowel = ends_double_consonant = ends_cvc = None
step1a = step1b = step1c = step2 = step3 = step4 = step5a = step5b = None

# ---------------------------------------------------------------- exercise 1: tokenize


@mutant("does not lowercase")
def tokenize(text):
    return re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text)


@mutant("drops punctuation (words only, as notebook 01's split)")
def tokenize(text):
    return re.findall(r"\w+(?:['-]\w+)*", text.lower())


@mutant("splits at every apostrophe and hyphen (isn't -> isn ' t)")
def tokenize(text):
    return re.findall(r"\w+|[^\w\s]", text.lower())


@mutant("a run of punctuation is one token (?! stays together)")
def tokenize(text):
    return re.findall(r"\w+(?:['-]\w+)*|[^\w\s]+", text.lower())


@mutant("apostrophes and hyphens stick to words at the edges too (birds', --)")
def tokenize(text):
    return re.findall(r"[\w'-]+|[^\w\s]", text.lower())


@mutant("ASCII only: [a-z0-9] words (é and _ become punctuation)")
def tokenize(text):
    return re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[^a-z0-9\s]", text.lower())


@mutant("only one inner apostrophe or hyphen joins (rock'n'roll splits)")
def tokenize(text):
    return re.findall(r"\w+(?:['-]\w+)?|[^\w\s]", text.lower())


@mutant("lowercases A-Z only (É, Ä and Ö stay capitals)")
def tokenize(text):
    import string

    text = text.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))
    return re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text)


@mutant("str.casefold instead of str.lower (ß becomes ss)")
def tokenize(text):
    return re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text.casefold())


@mutant("returns a tuple instead of a list")
def tokenize(text):
    return tuple(re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text.lower()))


@mutant("splits first, lowercases each token afterwards (İ lowercases to i plus a combining dot)")
def tokenize(text):
    return [t.lower() for t in re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text)]


@mutant("the typographic apostrophe and the en dash join words too")
def tokenize(text):
    return re.findall(r"\w+(?:['’–-]\w+)*|[^\w\s]", text.lower())


@mutant("only ASCII whitespace separates (a no-break space becomes a token)")
def tokenize(text):
    return re.findall(r"\w+(?:['-]\w+)*|[^\w \t\n\r\f\v]", text.lower())


@mutant("notebook 01's tokenizer: split on whitespace, strip punctuation at the edges")
def tokenize(text):
    from utils.text import tokenize as plain

    return plain(text)


@alternative("a loop over the characters")
def tokenize(text):
    text = text.lower()

    def is_word(i):
        return 0 <= i < len(text) and re.match(r"\w", text[i]) is not None

    tokens, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif is_word(i):
            j = i
            while is_word(j) or (text[j:j + 1] in ("'", "-") and is_word(j - 1) and is_word(j + 1)):
                j += 1
            tokens.append(text[i:j])
            i = j
        else:
            tokens.append(text[i])
            i += 1
    return tokens


@alternative("re.finditer with a lookahead for the joining mark")
def tokenize(text):
    return [m.group() for m in re.finditer(r"(?:\w+['-](?=\w))*\w+|[^\w\s]", text.lower())]


# ---------------------------------------------------------------- exercise 2: Porter's vocabulary


@mutant("y is always a consonant")
def is_consonant(word, i):
    return word[i] not in "aeiou"


@mutant("y is always a vowel")
def is_consonant(word, i):
    return word[i] not in "aeiouy"


@mutant("y inverted: a consonant after a consonant")
def is_consonant(word, i):
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0 or is_consonant(word, i - 1)
    return True


@mutant("y at the start of a word is a vowel")
def is_consonant(word, i):
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i > 0 and not is_consonant(word, i - 1)
    return True


@mutant("y looks only at whether the previous letter is one of aeiou (runs of y go wrong)")
def is_consonant(word, i):
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0 or word[i - 1] in "aeiou"
    return True


@alternative("flags computed left to right in one pass")
def is_consonant(word, i):
    flags = []
    for k, ch in enumerate(word[:i + 1]):
        flags.append(ch not in "aeiou" and (ch != "y" or k == 0 or not flags[k - 1]))
    return flags[i]


@mutant("counts consonant-to-vowel transitions")
def measure(stem):
    pattern = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return pattern.count("cv")


@mutant("counts the vowel runs")
def measure(stem):
    pattern = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return len(re.findall("v+", pattern))


@mutant("y counted as a vowel everywhere")
def measure(stem):
    pattern = "".join("v" if ch in "aeiouy" else "c" for ch in stem)
    return pattern.count("vc")


@alternative("collapse runs with itertools.groupby, then count VC")
def measure(stem):
    from itertools import groupby

    runs = "".join(k for k, _ in groupby("C" if is_consonant(stem, i) else "V" for i in range(len(stem))))
    return runs.count("VC")


@alternative("regular expression [C](VC)^m[V]")
def measure(stem):
    pattern = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return len(re.findall(r"v+c+", pattern))


@mutant("only a, e, i, o, u are vowels (y never)")
def contains_vowel(stem):
    return any(ch in "aeiou" for ch in stem)


@mutant("any y is a vowel")
def contains_vowel(stem):
    return any(ch in "aeiouy" for ch in stem)


@alternative("not every letter is a consonant")
def contains_vowel(stem):
    return not all(is_consonant(stem, i) for i in range(len(stem)))


@mutant("any double letter, vowels too")
def ends_double_consonant(stem):
    return len(stem) >= 2 and stem[-1] == stem[-2]


@mutant("a double consonant anywhere in the stem")
def ends_double_consonant(stem):
    return any(stem[i] == stem[i + 1] and is_consonant(stem, i + 1) for i in range(len(stem) - 1))


@mutant("tests the first letter of the pair for a consonant (yy)")
def ends_double_consonant(stem):
    return len(stem) >= 2 and stem[-1] == stem[-2] and is_consonant(stem, len(stem) - 2)


@mutant("both letters of the pair must be consonants (the paper's words read literally: never true of yy)")
def ends_double_consonant(stem):
    n = len(stem)
    return n >= 2 and stem[-1] == stem[-2] and is_consonant(stem, n - 1) and is_consonant(stem, n - 2)


@alternative("regex for a doubled letter, then the consonant test")
def ends_double_consonant(stem):
    return re.search(r"(.)\1$", stem) is not None and is_consonant(stem, len(stem) - 1)


@mutant("forgets the w, x, y exception")
def ends_cvc(stem):
    n = len(stem)
    return n >= 3 and is_consonant(stem, n - 3) and not is_consonant(stem, n - 2) and is_consonant(stem, n - 1)


@mutant("no length check: negative indices wrap around on short stems")
def ends_cvc(stem):
    try:
        n = len(stem)
        return (is_consonant(stem, n - 3) and not is_consonant(stem, n - 2) and is_consonant(stem, n - 1)
                and stem[-1] not in "wxy")
    except (IndexError, RecursionError):
        return False


@mutant("vowels are just a, e, i, o, u (a y after a consonant is missed)")
def ends_cvc(stem):
    return (len(stem) >= 3 and stem[-3] not in "aeiou" and stem[-2] in "aeiou" and stem[-1] not in "aeiou"
            and stem[-1] not in "wxy")


@alternative("the last three letters of the c/v pattern")
def ends_cvc(stem):
    pattern = "".join("c" if is_consonant(stem, i) else "v" for i in range(len(stem)))
    return pattern.endswith("cvc") and not stem.endswith(("w", "x", "y"))


# ---------------------------------------------------------------- exercise 3: step 1


@mutant("s tried before ss (caress -> cares)")
def step1a(word):
    for suffix, replacement in (("sses", "ss"), ("ies", "i"), ("s", ""), ("ss", "ss")):
        if word.endswith(suffix):
            return word[:len(word) - len(suffix)] + replacement
    return word


@mutant("ies -> y (ponies -> pony)")
def step1a(word):
    for suffix, replacement in (("sses", "ss"), ("ies", "y"), ("ss", "ss"), ("s", "")):
        if word.endswith(suffix):
            return word[:len(word) - len(suffix)] + replacement
    return word


@mutant("no sses rule (caresses -> caresse)")
def step1a(word):
    for suffix, replacement in (("ies", "i"), ("ss", "ss"), ("s", "")):
        if word.endswith(suffix):
            return word[:len(word) - len(suffix)] + replacement
    return word


@alternative("regular expressions, longest suffix first")
def step1a(word):
    if re.search(r"sses$", word):
        return re.sub(r"sses$", "ss", word)
    if re.search(r"ies$", word):
        return re.sub(r"ies$", "i", word)
    if word.endswith("ss"):
        return word
    return re.sub(r"s$", "", word)


@mutant("eed with m = 0 falls through to the ED rule (feed -> fe)")
def step1b(word):
    if word.endswith("eed") and measure(word[:-3]) > 0:
        return word[:-1]
    for suffix in ("ed", "ing"):
        stem = word[:-len(suffix)]
        if word.endswith(suffix) and contains_vowel(stem):
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if ends_double_consonant(stem):
                return stem if stem[-1] in "lsz" else stem[:-1]
            if measure(stem) == 1 and ends_cvc(stem):
                return stem + "e"
            return stem
    return word


@mutant("(m>0) EED measured on the whole word (feed -> fee)")
def step1b(word):
    if word.endswith("eed"):
        return word[:-1] if measure(word) > 0 else word
    for suffix in ("ed", "ing"):
        stem = word[:-len(suffix)]
        if word.endswith(suffix) and contains_vowel(stem):
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if ends_double_consonant(stem):
                return stem if stem[-1] in "lsz" else stem[:-1]
            if measure(stem) == 1 and ends_cvc(stem):
                return stem + "e"
            return stem
    return word


@mutant("no *v* condition before removing ed or ing (bled -> bl)")
def step1b(word):
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        stem = word[:-len(suffix)]
        if word.endswith(suffix):
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if ends_double_consonant(stem):
                return stem if stem[-1] in "lsz" else stem[:-1]
            if measure(stem) == 1 and ends_cvc(stem):
                return stem + "e"
            return stem
    return word


@mutant("double l, s and z are undoubled too (falling -> fal)")
def step1b(word):
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        stem = word[:-len(suffix)]
        if word.endswith(suffix) and contains_vowel(stem):
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if ends_double_consonant(stem):
                return stem[:-1]
            if measure(stem) == 1 and ends_cvc(stem):
                return stem + "e"
            return stem
    return word


@mutant("(m>=1 and *o) -> E instead of m = 1 (visiting -> visite)")
def step1b(word):
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        stem = word[:-len(suffix)]
        if word.endswith(suffix) and contains_vowel(stem):
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if ends_double_consonant(stem):
                return stem if stem[-1] in "lsz" else stem[:-1]
            if measure(stem) >= 1 and ends_cvc(stem):
                return stem + "e"
            return stem
    return word


@mutant("the clean-up runs on every word, not only after ED or ING (hop -> hope)")
def step1b(word):
    if word.endswith("eed"):
        return word[:-1] if measure(word[:-3]) > 0 else word
    stem = word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and contains_vowel(word[:-len(suffix)]):
            stem = word[:-len(suffix)]
            break
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@alternative("regular expression for the suffix, a rule table for the clean-up")
def step1b(word):
    match = re.fullmatch(r"(.*)eed", word)
    if match:
        return match.group(1) + "ee" if measure(match.group(1)) > 0 else word
    match = re.fullmatch(r"(.*?)(ed|ing)", word)
    if not match or not contains_vowel(match.group(1)):
        return word
    stem = match.group(1)
    for ending, replacement in (("at", "ate"), ("bl", "ble"), ("iz", "ize")):
        if stem.endswith(ending):
            return stem[:-2] + replacement
    if ends_double_consonant(stem) and stem[-1] not in "lsz":
        return stem[:-1]
    if not ends_double_consonant(stem) and measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"
    return stem


@mutant("no *v* condition (sky -> ski)")
def step1c(word):
    return word[:-1] + "i" if word.endswith("y") else word


@mutant("every y becomes i")
def step1c(word):
    stem = word[:-1]
    return word.replace("y", "i") if word.endswith("y") and contains_vowel(stem) else word


@alternative("re.sub with the condition checked first")
def step1c(word):
    return re.sub(r"y$", "i", word) if contains_vowel(word[:-1]) else word


# ---------------------------------------------------------------- exercise 4: steps 2, 3, 4


@mutant("the paper's ABLI -> ABLE instead of BLI -> BLE")
def step2(word):
    rules = [r for r in STEP2_RULES if r[0] != "bli"] + [("abli", "able")]
    for suffix, replacement in sorted(rules, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem + replacement if measure(stem) > 0 else word
    return word


@mutant("no LOGI -> LOG rule")
def step2(word):
    rules = [r for r in STEP2_RULES if r[0] != "logi"]
    for suffix, replacement in sorted(rules, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem + replacement if measure(stem) > 0 else word
    return word


@mutant("after a failed condition, tries the next shorter suffix (rization -> rizate)")
def step2(word):
    for suffix, replacement in sorted(STEP2_RULES, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            if measure(stem) > 0:
                return stem + replacement
    return word


@mutant("shortest suffix first (relational -> relation)")
def step2(word):
    for suffix, replacement in sorted(STEP2_RULES, key=lambda rule: len(rule[0])):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem + replacement if measure(stem) > 0 else word
    return word


@mutant("(m>0) measured on the whole word (rational -> rate)")
def step2(word):
    for suffix, replacement in sorted(STEP2_RULES, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            return word[:-len(suffix)] + replacement if measure(word) > 0 else word
    return word


@alternative("first match in the table's order (the paper's order puts longer suffixes first)")
def step2(word):
    for suffix, replacement in STEP2_RULES:
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem + replacement if measure(stem) > 0 else word
    return word


@alternative("a dict, suffix lengths tried from 7 down to 3")
def step2(word):
    table = dict(STEP2_RULES)
    for n in range(7, 2, -1):
        if len(word) >= n and word[-n:] in table:
            stem = word[:-n]
            return stem + table[word[-n:]] if measure(stem) > 0 else word
    return word


@mutant("no condition at all")
def step3(word):
    for suffix, replacement in sorted(STEP3_RULES, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            return word[:-len(suffix)] + replacement
    return word


@mutant("(m>0) measured on the whole word")
def step3(word):
    for suffix, replacement in sorted(STEP3_RULES, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            return word[:-len(suffix)] + replacement if measure(word) > 0 else word
    return word


@mutant("forgets the ICAL -> IC rule")
def step3(word):
    rules = [r for r in STEP3_RULES if r[0] != "ical"]
    for suffix, replacement in sorted(rules, key=lambda rule: -len(rule[0])):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem + replacement if measure(stem) > 0 else word
    return word


@alternative("first match in the table's order")
def step3(word):
    for suffix, replacement in STEP3_RULES:
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem + replacement if measure(stem) > 0 else word
    return word


@mutant("(m>0) instead of (m>1) (tropic -> trop)")
def step4(word):
    for suffix in sorted(STEP4_SUFFIXES, key=len, reverse=True):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            allowed = measure(stem) > 0 and (suffix != "ion" or stem.endswith(("s", "t")))
            return stem if allowed else word
    return word


@mutant("ion without the s or t condition (religion -> relig)")
def step4(word):
    for suffix in sorted(STEP4_SUFFIXES, key=len, reverse=True):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            return stem if measure(stem) > 1 else word
    return word


@mutant("ion: (m>1) or (*S or *T) instead of and")
def step4(word):
    for suffix in sorted(STEP4_SUFFIXES, key=len, reverse=True):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            if suffix == "ion":
                return stem if measure(stem) > 1 or stem.endswith(("s", "t")) else word
            return stem if measure(stem) > 1 else word
    return word


@mutant("tries shorter suffixes when the longest fails (agreement -> agreem)")
def step4(word):
    for suffix in sorted(STEP4_SUFFIXES, key=len, reverse=True):
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            if measure(stem) > 1 and (suffix != "ion" or stem.endswith(("s", "t"))):
                return stem
    return word


@alternative("first match in the table's order, ion handled separately")
def step4(word):
    for suffix in STEP4_SUFFIXES:
        if word.endswith(suffix):
            stem = word[:-len(suffix)]
            if measure(stem) <= 1:
                return word
            if suffix == "ion" and stem[-1:] not in ("s", "t"):
                return word
            return stem
    return word


# ---------------------------------------------------------------- exercise 5: step 5, porter_stem


@mutant("only the (m>1) rule (cease stays)")
def step5a(word):
    if word.endswith("e") and measure(word[:-1]) > 1:
        return word[:-1]
    return word


@mutant("(m=1 and *o) instead of (m=1 and not *o)")
def step5a(word):
    if word.endswith("e"):
        stem = word[:-1]
        m = measure(stem)
        if m > 1 or (m == 1 and ends_cvc(stem)):
            return stem
    return word


@mutant("(m>=1) without the *o test (hope -> hop)")
def step5a(word):
    if word.endswith("e") and measure(word[:-1]) >= 1:
        return word[:-1]
    return word


@alternative("the m = 1 rule first, the measure of the whole word (a final e does not change m)")
def step5a(word):
    if not word.endswith("e"):
        return word
    if measure(word) == 1:
        return word if ends_cvc(word[:-1]) else word[:-1]
    return word[:-1] if measure(word) > 1 else word


@mutant("any double consonant loses a letter, not only ll")
def step5b(word):
    if ends_double_consonant(word) and measure(word) > 1:
        return word[:-1]
    return word


@mutant("no (m>1) condition (roll -> rol)")
def step5b(word):
    return word[:-1] if word.endswith("ll") else word


@mutant("m measured without the ll (controll stays)")
def step5b(word):
    if word.endswith("ll") and measure(word[:-2]) > 1:
        return word[:-1]
    return word


@alternative("*d and *L with the helpers, m of the word without its last l")
def step5b(word):
    if ends_double_consonant(word) and word[-1] == "l" and measure(word[:-1]) > 1:
        return word[:-1]
    return word


@mutant("stems one- and two-letter words too (is -> i)")
def porter_stem(word):
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word


@mutant("leaves words of up to three letters unchanged (was stays)")
def porter_stem(word):
    if len(word) <= 3:
        return word
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word


@mutant("step 5a before step 4 (activate -> activat)")
def porter_stem(word):
    if len(word) <= 2:
        return word
    for step in (step1a, step1b, step1c, step2, step3, step5a, step4, step5b):
        word = step(word)
    return word


@mutant("skips step 5b (controlling -> controll)")
def porter_stem(word):
    if len(word) <= 2:
        return word
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a):
        word = step(word)
    return word


@mutant("stops after the first step that changes the word")
def porter_stem(word):
    if len(word) <= 2:
        return word
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        if step(word) != word:
            return step(word)
    return word


@alternative("functools.reduce over the steps")
def porter_stem(word):
    from functools import reduce

    steps = (step1a, step1b, step1c, step2, step3, step4, step5a, step5b)
    return word if len(word) < 3 else reduce(lambda w, step: step(w), steps, word)


# ---------------------------------------------------------------- exercise 6: learn_bpe


@mutant("ties go to the largest pair (max instead of min)")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("ties go to the pair seen first (Counter.most_common)")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = pairs.most_common(1)[0][0]
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("the end-of-word marker is a separate symbol (l o w </w>)")
def learn_bpe(word_counts, n_merges):
    words = {(*w, "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("no end-of-word marker")
def learn_bpe(word_counts, n_merges):
    words = {tuple(w): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("consumes word_counts (pops every word while building the symbol tuples)")
def learn_bpe(word_counts, n_merges):
    words = {}
    while word_counts:
        w, c = word_counts.popitem()
        words[(*w[:-1], w[-1] + "</w>")] = c
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("pairs not weighted by the word counts")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols in words:
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += 1
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("a pair counted at most once per word")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in set(zip(symbols, symbols[1:], strict=False)):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("merges right to left (a a a -> a aa)")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], len(symbols) - 1
            while i >= 0:
                if i >= 1 and (symbols[i - 1], symbols[i]) == best:
                    out.insert(0, symbols[i - 1] + symbols[i])
                    i -= 2
                else:
                    out.insert(0, symbols[i])
                    i -= 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@mutant("does not stop when no pair is left (max of an empty Counter)")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@alternative("Sennrich's way: space-separated symbols, regex replacement, sorted for the tie")
def learn_bpe(word_counts, n_merges):
    vocab = {" ".join([*w[:-1], w[-1] + "</w>"]): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        stats = {}
        for word, count in vocab.items():
            symbols = word.split()
            for i in range(len(symbols) - 1):
                stats[symbols[i], symbols[i + 1]] = stats.get((symbols[i], symbols[i + 1]), 0) + count
        if not stats:
            break
        best = sorted(stats.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        merges.append(best)
        pattern = re.compile(r"(?<!\S)" + re.escape(" ".join(best)) + r"(?!\S)")
        vocab = {pattern.sub("".join(best), word): count for word, count in vocab.items()}
    return merges


@alternative("merges as two-item lists [left, right] (the text accepts them)")
def learn_bpe(word_counts, n_merges):
    words = {(*w[:-1], w[-1] + "</w>"): c for w, c in word_counts.items()}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(list(best))
        new = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + count
        words = new
    return merges


@alternative("lists of symbols per word, kept in place, merged with a left-to-right scan")
def learn_bpe(word_counts, n_merges):
    words = [([*w[:-1], w[-1] + "</w>"], c) for w, c in word_counts.items()]
    merges = []
    while len(merges) < n_merges:
        pairs = {}
        for symbols, count in words:
            for a, b in zip(symbols, symbols[1:], strict=False):
                pairs[(a, b)] = pairs.get((a, b), 0) + count
        if not pairs:
            return merges
        top = max(pairs.values())
        best = min(p for p, c in pairs.items() if c == top)
        merges.append(best)
        for symbols, _ in words:
            i = 0
            while i < len(symbols) - 1:
                if symbols[i] == best[0] and symbols[i + 1] == best[1]:
                    symbols[i:i + 2] = [best[0] + best[1]]
                i += 1
    return merges


# ---------------------------------------------------------------- exercise 7: bpe_segment


@mutant("no end-of-word marker")
def bpe_segment(word, merges):
    symbols = list(word)
    for left, right in merges:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                out.append(left + right)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


@mutant("the end-of-word marker is a separate symbol")
def bpe_segment(word, merges):
    symbols = [*word, "</w>"]
    for left, right in merges:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                out.append(left + right)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


@mutant("merges applied in reverse order")
def bpe_segment(word, merges):
    symbols = [*word[:-1], word[-1] + "</w>"]
    for left, right in reversed(merges):
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                out.append(left + right)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


@mutant("merges from the right (a a a -> a aa)")
def bpe_segment(word, merges):
    symbols = [*word[:-1], word[-1] + "</w>"]
    for left, right in merges:
        out, i = [], len(symbols) - 1
        while i >= 0:
            if i >= 1 and symbols[i - 1] == left and symbols[i] == right:
                out.insert(0, left + right)
                i -= 2
            else:
                out.insert(0, symbols[i])
                i -= 1
        symbols = out
    return symbols


@mutant("only the first occurrence of each merge")
def bpe_segment(word, merges):
    symbols = [*word[:-1], word[-1] + "</w>"]
    for left, right in merges:
        for i in range(len(symbols) - 1):
            if symbols[i] == left and symbols[i + 1] == right:
                symbols[i:i + 2] = [left + right]
                break
    return symbols


@mutant("longer symbols first: merges sorted by the length of the result")
def bpe_segment(word, merges):
    symbols = [*word[:-1], word[-1] + "</w>"]
    for left, right in sorted(merges, key=lambda m: -len(m[0] + m[1])):
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                out.append(left + right)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


@mutant("consumes the merges (pops them off the front of the caller's list)")
def bpe_segment(word, merges):
    symbols = [*word[:-1], word[-1] + "</w>"]
    while merges:
        left, right = merges.pop(0)
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                out.append(left + right)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


@alternative("returns a tuple of symbols (the text accepts it)")
def bpe_segment(word, merges):
    symbols = [*word[:-1], word[-1] + "</w>"]
    for left, right in merges:
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                out.append(left + right)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return tuple(symbols)


@alternative("GPT-2's loop: merge the earliest-learned pair present, again and again")
def bpe_segment(word, merges):
    rank = {tuple(m): r for r, m in enumerate(merges)}
    symbols = [*word[:-1], word[-1] + "</w>"]
    while len(symbols) > 1:
        pairs = [(rank.get((a, b), len(rank)), a, b) for a, b in zip(symbols, symbols[1:], strict=False)]
        r, a, b = min(pairs)
        if r == len(rank):
            break
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = out
    return symbols


@alternative("Sennrich's way: a space-separated string and regex replacements")
def bpe_segment(word, merges):
    text = " ".join([*word[:-1], word[-1] + "</w>"])
    for left, right in merges:
        text = re.sub(r"(?<!\S)" + re.escape(left + " " + right) + r"(?!\S)", left + right, text)
    return text.split(" ")
