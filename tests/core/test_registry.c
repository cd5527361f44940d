/* test_registry.c — every registered tokenizer states its counting mode once: it has
 * either count_geometry (header only) or feed (content), never both nor neither, and
 * the feed-only slots and the content needs go with feed. */
#include <stdio.h>
#include "check.h"
#include "tokenizer.h"

int main(void)
{
    int n = 0;
    for (const CimTokenizer *const *t = cim_tokenizer_list(); *t; t++, n++) {
        const CimTokenizer *tok = *t;
        int by_geometry = tok->count_geometry != NULL;
        int by_content = tok->feed != NULL;
        if (by_geometry == by_content)
            fprintf(stderr, "%s: has %s\n", tok->name,
                    by_geometry ? "both count_geometry and feed" : "neither count_geometry nor feed");
        EXPECT(by_geometry != by_content);
        EXPECT(by_content || (!tok->begin && !tok->finish && !tok->release && !tok->caps));
        EXPECT(!by_content || tok->finish);
    }
    EXPECT(n > 0);
    TEST_DONE();
}
