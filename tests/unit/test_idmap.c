/* Unit tests for the string-keyed hash map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "jelou/idmap.h"

static void
test_put_get_overwrite(void **state)
{
    (void)state;
    struct idmap *m = idmap_new();
    int a = 1, b = 2;
    assert_null(idmap_get(m, "x"));
    idmap_put(m, "x", &a);
    idmap_put(m, "y", &b);
    assert_ptr_equal(idmap_get(m, "x"), &a);
    assert_ptr_equal(idmap_get(m, "y"), &b);
    idmap_put(m, "x", &b);
    assert_ptr_equal(idmap_get(m, "x"), &b);
    assert_int_equal(idmap_count(m), 2);
    assert_null(idmap_get(m, ""));
    idmap_free(m);
    idmap_free(NULL);
}

static void
test_many_keys_survive_growth(void **state)
{
    (void)state;
    static int values[20000];
    static char keys[20000][16]; /* the map borrows its keys */
    struct idmap *m = idmap_new();
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(keys[i], sizeof keys[i], "id-%d", i);
        idmap_put(m, keys[i], &values[i]);
    }
    assert_int_equal(idmap_count(m), 20000);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "id-%d", i);
        assert_ptr_equal(idmap_get(m, key), &values[i]);
    }
    assert_null(idmap_get(m, "id-20000"));
    idmap_free(m);
}

/* Deleting keys out of probe chains (every other key, in a map that grew several times)
 * leaves every remaining key reachable and the deleted ones gone. */
static void
test_delete_keeps_the_rest_reachable(void **state)
{
    (void)state;
    static int values[5000];
    static char keys[5000][16];
    struct idmap *m = idmap_new();
    for (int i = 0; i < 5000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        idmap_put(m, keys[i], &values[i]);
    }
    for (int i = 0; i < 5000; i += 2)
        idmap_del(m, keys[i]);
    idmap_del(m, "absent");
    assert_int_equal(idmap_count(m), 2500);
    for (int i = 0; i < 5000; i++) {
        if (i % 2 == 0)
            assert_null(idmap_get(m, keys[i]));
        else
            assert_ptr_equal(idmap_get(m, keys[i]), &values[i]);
    }
    /* Put back after delete: found again, counted once. */
    idmap_put(m, keys[0], &values[0]);
    idmap_put(m, keys[0], &values[0]);
    assert_ptr_equal(idmap_get(m, keys[0]), &values[0]);
    assert_int_equal(idmap_count(m), 2501);
    idmap_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_overwrite),
        cmocka_unit_test(test_many_keys_survive_growth),
        cmocka_unit_test(test_delete_keeps_the_rest_reachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
